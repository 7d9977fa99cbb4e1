"""Trainers plan sessions in their area; residents see the ones in their commune."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from learnapp.attendance.models import TrainingSession
from learnapp.extensions import db as _db
from tests.conftest import page_text


def _form(places, **changes):
    data = {
        "title": "Trả tiền bằng VietQR",
        "place": "Nhà văn hóa khu Thùy Nhật",
        "starts_at": "2026-12-05T19:30",
        "ends_at": "21:00",
        "courses": ["thanh-toan"],
        "commune": str(places.lam_thao.id),
        "area_id": str(places.thuy_nhat.id),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_trainer_plans_a_session_in_vietnam_time(client, login, trainer, places):
    login(trainer)
    response = client.post("/sessions/new", data=_form(places))
    assert response.status_code == 302
    found = _db.session.scalar(select(TrainingSession))
    assert found.starts_at.isoformat() == "2026-12-05T12:30:00"  # 19:30 in Vietnam
    assert found.ends_at.isoformat() == "2026-12-05T14:00:00"
    assert found.course_slugs == ["thanh-toan"] and len(found.code) == 6
    text = page_text(client.get(response.headers["Location"]))
    assert "Trả tiền bằng VietQR" in text and "19:30" in text and "Thứ Bảy" in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "đặt tên cho buổi học"),
        ({"place": " "}, "diễn ra ở đâu"),
        ({"starts_at": ""}, "ngày giờ bắt đầu"),
        ({"starts_at": "ngày mai"}, "nhập ngày giờ"),
        ({"ends_at": "19:00"}, "phải sau giờ bắt đầu"),
        ({"ends_at": "2026-12-06T09:00"}, "tối đa 12 giờ"),
        ({"courses": None}, "ít nhất một khóa học"),
        ({"courses": ["khong-co"]}, "trong danh sách"),
        ({"title": "x" * 201}, "Tối đa 200 ký tự"),
        ({"area_id": None, "commune": None}, None),
    ],
)
def test_bad_session_input_is_explained(client, login, trainer, places, changes, message):
    login(trainer)
    response = client.post("/sessions/new", data=_form(places, **changes))
    if message is None:  # no residential area chosen: the commune itself is the place
        assert response.status_code == 302
        assert _db.session.scalar(select(TrainingSession)).area_id == places.lam_thao.id
        return
    assert response.status_code == 422
    assert message in page_text(response)
    assert _db.session.scalar(select(TrainingSession)) is None


def test_edit_and_cancel(client, login, trainer, make_session):
    found = make_session()
    login(trainer)
    response = client.post(
        f"/sessions/{found.id}/edit",
        data={
            "title": "Dùng Zalo",
            "place": "Nhà văn hóa",
            "starts_at": "2026-12-06T08:00",
            "ends_at": "10:00",
            "courses": ["dien-thoai"],
            "commune": str(found.area.parent_id),
            "area_id": str(found.area_id),
        },
    )
    assert response.status_code == 302
    _db.session.refresh(found)
    assert found.title == "Dùng Zalo" and found.course_slugs == ["dien-thoai"]
    client.post(f"/sessions/{found.id}/cancel")
    _db.session.refresh(found)
    assert found.is_cancelled
    assert "đã bị hủy" in page_text(client.get(f"/sessions/{found.id}"))


def test_edit_keeping_a_course_and_adding_one(client, login, trainer, make_session):
    found = make_session()
    kept = found.course_slugs[0]
    login(trainer)
    response = client.post(
        f"/sessions/{found.id}/edit",
        data={
            "title": "Buổi học đổi tên",
            "place": found.place,
            "starts_at": "2026-12-06T08:00",
            "ends_at": "10:00",
            "courses": sorted({kept, "an-toan-mang"}),
            "commune": str(found.area.parent_id),
            "area_id": str(found.area_id),
        },
    )
    assert response.status_code == 302
    _db.session.refresh(found)
    assert found.title == "Buổi học đổi tên"
    assert found.course_slugs == sorted({kept, "an-toan-mang"})


SESSION_PAGES = ["", "/qr", "/scan", "/desk", "/edit", "/attendance.csv", "/sheet", "/roster"]


@pytest.mark.parametrize("suffix", SESSION_PAGES)
def test_a_trainer_of_another_commune_gets_403(
    client, login, make_user, make_session, places, suffix
):
    found = make_session()
    login(make_user(role="trainer", area=places.lam_thao_bn, name="Lê Văn Bắc"))
    assert client.get(f"/sessions/{found.id}{suffix}").status_code == 403
    assert client.post(f"/sessions/{found.id}/cancel").status_code == 403


def test_unknown_session_is_404(client, login, trainer):
    login(trainer)
    assert client.get("/sessions/99999").status_code == 404


def test_cannot_plan_a_session_outside_ones_area(client, login, trainer, places):
    login(trainer)
    response = client.post(
        "/sessions/new",
        data=_form(places, commune=str(places.lam_thao_bn.id), area_id=str(places.thon_dong.id)),
    )
    # The picker only knows the trainer's commune: the forged choice is not taken.
    assert (
        _db.session.scalar(
            select(TrainingSession).where(TrainingSession.area_id == places.thon_dong.id)
        )
        is None
    )
    assert response.status_code in (302, 422)


def test_residents_see_upcoming_sessions_of_their_commune(
    client, login, make_user, make_session, places
):
    make_session(starts_in=timedelta(days=1), title="Buổi ở Lâm Thao", area=places.phu_thinh)
    make_session(starts_in=timedelta(days=-3), title="Buổi đã qua")
    cancelled = make_session(starts_in=timedelta(days=2), title="Buổi bị hủy")
    from learnapp.attendance.services import cancel_session

    cancel_session(cancelled)
    _db.session.commit()
    login(make_user(area=places.thuy_nhat))
    text = page_text(client.get("/"))
    assert "Buổi ở Lâm Thao" in text
    assert "Buổi đã qua" not in text and "Buổi bị hủy" not in text


def test_residents_of_another_commune_do_not_see_it(client, login, make_user, make_session, places):
    make_session(starts_in=timedelta(days=1), title="Buổi ở Lâm Thao")
    login(make_user(area=places.thon_dong))
    assert "Buổi ở Lâm Thao" not in page_text(client.get("/"))


def test_sessions_list_for_trainers(client, login, trainer, make_session):
    make_session(starts_in=timedelta(days=1), title="Sắp tới")
    make_session(starts_in=timedelta(days=-2), title="Đã qua")
    login(trainer)
    text = page_text(client.get("/sessions/"))
    assert text.index("Sắp tới") < text.index("Các buổi đã qua") < text.index("Đã qua")

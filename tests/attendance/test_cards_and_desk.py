"""Residents' cards, the trainer's scans and check-in by name, online and replayed."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from learnapp.attendance.models import CheckIn
from learnapp.auth.models import User
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD, page_text


def _count(model=CheckIn) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))


def _sync(client, *events):
    response = client.post("/api/v1/sync", json={"events": list(events)})
    assert response.status_code == 200
    return response.json["results"]


def _card_scan(found, person, **extra):
    return {
        "id": str(uuid.uuid4()),
        "type": "checkin.card",
        "session": found.id,
        "card": f"https://hocvuso.example/u/{person.card_token}",
        **extra,
    }


def test_a_card_opened_by_anyone_reveals_nothing(client, make_user, login):
    person = make_user(name="Hoàng Thị Thu")
    text = page_text(client.get(f"/u/{person.card_token}"))
    assert "Thẻ điểm danh Học vụ số" in text
    assert "Hoàng Thị Thu" not in text and person.phone not in text
    login(make_user(name="Người khác"))
    assert "Hoàng Thị Thu" not in page_text(client.get(f"/u/{person.card_token}"))


def test_a_card_opened_by_its_trainer_names_the_person(
    client, make_user, login, trainer, make_session
):
    make_session()
    person = make_user(name="Hoàng Thị Thu")
    login(trainer)
    text = page_text(client.get(f"/u/{person.card_token}"))
    assert "Hoàng Thị Thu" in text and "Trả tiền bằng VietQR" in text


def test_a_card_opened_by_a_trainer_elsewhere_reveals_nothing(client, make_user, login, places):
    person = make_user(name="Hoàng Thị Thu")
    login(make_user(role="trainer", area=places.lam_thao_bn))
    assert "Hoàng Thị Thu" not in page_text(client.get(f"/u/{person.card_token}"))


def test_the_owner_sees_their_card_and_can_replace_it(client, make_user, login):
    person = make_user(name="Hoàng Thị Thu")
    old = person.card_token
    login(person)
    assert client.get(f"/u/{old}").headers["Location"] == "/me/card"
    html = client.get("/me/card").get_data(as_text=True)
    assert "<svg" in html and "Hoàng Thị Thu" in html
    client.post("/me/card/new")
    _db.session.refresh(person)
    assert person.card_token != old
    assert client.get(f"/u/{old}").status_code == 404
    assert "Thẻ này không còn dùng được" in page_text(client.get(f"/u/{old}"))


def test_trainer_scans_a_card_once(client, login, trainer, make_user, make_session):
    found = make_session()
    person = make_user(name="Hoàng Thị Thu")
    login(trainer)
    scan = _card_scan(found, person)
    first = _sync(client, scan)[0]
    assert first["status"] == "recorded" and first["name"] == "Hoàng Thị Thu"
    again = _sync(client, scan)[0]  # the phone sent it twice
    assert again["status"] == "duplicate"
    second_scan = _sync(client, _card_scan(found, person))[0]  # scanned a second time
    assert second_scan["status"] == "already" and second_scan["name"] == "Hoàng Thị Thu"
    assert _count() == 1
    row = _db.session.scalar(select(CheckIn))
    assert row.method == "card_scan" and row.recorded_by_id == trainer.id
    roster = page_text(client.get(f"/sessions/{found.id}/roster", headers={"HX-Request": "true"}))
    assert roster.count("Hoàng Thị Thu") == 1 and "Đã điểm danh 1 người" in roster


def test_scans_made_offline_are_judged_by_their_time(
    client, login, trainer, make_user, make_session
):
    found = make_session(starts_in=timedelta(days=-1), hours=3)  # yesterday
    a, b, c = make_user(name="Người A"), make_user(name="Người B"), make_user(name="Người C")
    login(trainer)
    during = (found.starts_at + timedelta(minutes=30)).isoformat() + "Z"
    after = (found.ends_at + timedelta(hours=5)).isoformat() + "Z"
    long_ago = (found.starts_at - timedelta(days=3)).isoformat() + "Z"
    results = _sync(
        client,
        _card_scan(found, a, at=during),
        _card_scan(found, b, at=after),
        _card_scan(found, c, at=long_ago),
    )
    assert [r["status"] for r in results] == ["recorded", "rejected", "rejected"]
    assert "không còn nhận điểm danh" in results[1]["reason"]
    assert _count() == 1
    row = _db.session.scalar(select(CheckIn))
    assert row.checked_in_at == found.starts_at + timedelta(minutes=30)


def test_a_resident_cannot_scan_cards(client, login, make_user, make_session):
    found = make_session()
    person = make_user(name="Người A")
    login(make_user(name="Người B"))
    result = _sync(client, _card_scan(found, person))[0]
    assert result["status"] == "rejected"
    assert _count() == 0


def test_a_trainer_of_another_commune_cannot_check_in_here(
    client, login, make_user, make_session, places
):
    found = make_session()
    person = make_user()
    login(make_user(role="trainer", area=places.lam_thao_bn))
    result = _sync(client, _card_scan(found, person))[0]
    assert result["status"] == "rejected" and "không thuộc khu vực" in result["reason"]


def test_unknown_or_replaced_cards(client, login, trainer, make_session):
    found = make_session()
    login(trainer)
    for card in ["https://x/u/nope", "", "https://x/lessons/", "x" * 500]:
        event = {"id": str(uuid.uuid4()), "type": "checkin.card", "session": found.id, "card": card}
        assert _sync(client, event)[0]["status"] == "rejected"
    bad_session = {
        "id": str(uuid.uuid4()),
        "type": "checkin.card",
        "session": "1; drop",
        "card": "x",
    }
    assert "Không có buổi học này" in _sync(client, bad_session)[0]["reason"]


def test_check_in_by_name_without_javascript(client, login, trainer, make_user, make_session):
    found = make_session()
    make_user(name="Nguyễn Thị Hoa")
    make_user(name="Trần Văn Bình")
    login(trainer)
    page = client.get(f"/sessions/{found.id}/desk?q=nguyen thi")
    text = page_text(page)
    assert "Nguyễn Thị Hoa" in text and "Trần Văn Bình" not in text
    html = page.get_data(as_text=True)
    form = html.split('data-person="')[1]
    person_id = form.split('"')[0]
    event_id = form.split('name="event_id" value="')[1].split('"')[0]
    data = {"person": person_id, "event_id": event_id, "q": "nguyen thi"}
    response = client.post(f"/sessions/{found.id}/checkin", data=data)
    assert "Đã điểm danh cho Nguyễn Thị Hoa" in page_text(client.get(response.headers["Location"]))
    client.post(f"/sessions/{found.id}/checkin", data=data)  # double tap
    assert _count() == 1
    assert "✓ Có mặt" in page_text(client.get(f"/sessions/{found.id}/desk?q=nguyen"))


def test_register_a_newcomer_at_the_door_once(client, login, trainer, make_session, places):
    found = make_session()
    login(trainer)
    event = {
        "id": str(uuid.uuid4()),
        "type": "checkin.register",
        "session": found.id,
        "name": "Bùi Văn Tâm",
        "birth_year": 1949,
        "area": places.thuy_nhat.id,
        "phone": "",
    }
    first = _sync(client, event)[0]
    assert first["status"] == "recorded" and first["name"] == "Bùi Văn Tâm"
    users = _count(User)
    assert _sync(client, event)[0]["status"] in ("duplicate", "already")  # replayed
    assert _count(User) == users and _count() == 1
    person = _db.session.scalar(select(User).where(User.name == "Bùi Văn Tâm"))
    assert person.phone is None and person.created_by_id == trainer.id


def test_register_at_the_door_bad_input(client, login, trainer, make_session, places):
    found = make_session()
    login(trainer)
    base = {"type": "checkin.register", "session": found.id, "area": places.thuy_nhat.id}
    cases = [
        ({"name": ""}, "nhập tên"),
        ({"name": "A", "birth_year": 1800}, "từ 1900"),
        ({"name": "A", "area": places.thon_dong.id}, "khu dân cư"),
        ({"name": "A", "phone": "123"}, "không phải số điện thoại"),
    ]
    for changes, reason in cases:
        result = _sync(client, {**base, "id": str(uuid.uuid4()), **changes})[0]
        assert result["status"] == "rejected" and reason in result["reason"], changes
    assert _count() == 0


def test_many_phones_at_once_record_each_person_once(app, make_user, trainer, make_session):
    """Three trainers' phones send the same 30 scans at the same time."""
    found = make_session()
    people = [make_user(name=f"Người {i}") for i in range(30)]
    scans = [_card_scan(found, p) for p in people]
    cookies = []
    for _ in range(3):
        client = app.test_client()
        client.post("/login", data={"phone": trainer.phone, "secret": DEFAULT_PASSWORD})
        cookies.append(client.get_cookie("session").value)

    def phone(index):
        client = app.test_client()
        client.set_cookie("session", cookies[index % 3])
        # Each phone scanned everyone, in its own order, with its own event ids.
        events = [{**s, "id": str(uuid.uuid4())} for s in (scans[index:] + scans[:index])]
        return [
            r["status"]
            for r in client.post("/api/v1/sync", json={"events": events}).json["results"]
        ]

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = [s for statuses in pool.map(phone, range(6)) for s in statuses]
    assert outcomes.count("recorded") == 30
    assert outcomes.count("already") == 150
    assert _count() == 30

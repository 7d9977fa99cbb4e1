"""Residents check themselves in with the trainer's rotating QR, or the typed code."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from learnapp.attendance import tokens
from learnapp.attendance.models import CheckIn
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PIN, page_text


def _count() -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(CheckIn))


def _token(found, moment) -> str:
    return tokens.make(found.id, found.secret, tokens.window_at(moment))


def _finish(client, response):
    """Follow the check-in: to the confirmation page the phone submits by itself."""
    assert response.headers["Location"] == "/c/claim"
    page = client.get("/c/claim")
    html = page.get_data(as_text=True)
    assert "data-autosubmit" in html
    event_id = html.split('name="event_id" value="')[1].split('"')[0]
    return client.post("/c/claim", data={"event_id": event_id})


def test_token_round_trip_and_forgeries():
    made = tokens.make(42, "secret", 123456)
    token = tokens.parse(made)
    assert (token.session_id, token.window) == (42, 123456)
    assert tokens.signed_by(token, "secret")
    assert not tokens.signed_by(token, "another secret")
    other = tokens.parse(tokens.make(43, "secret", 123456))
    forged = tokens.Token(42, 123456, other.mac)
    assert not tokens.signed_by(forged, "secret")
    for bad in ["", "abc", made[:-1], made + "A", "!" * 22, "A" * 300]:
        with pytest.raises(tokens.BadToken):
            tokens.parse(bad)


def test_signed_in_resident_scans_and_is_checked_in(client, login, make_user, make_session, clock):
    found = make_session()
    resident = make_user(name="Hoàng Thị Thu")
    login(resident)
    response = _finish(client, client.get(f"/c/{_token(found, clock.now)}"))
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert "Bạn đã điểm danh" in text and "Trả tiền bằng VietQR" in text
    assert _count() == 1
    row = _db.session.scalar(select(CheckIn))
    assert row.method == "self_scan" and row.user_id == resident.id and row.recorded_by_id is None


def test_scanning_twice_records_once(client, login, make_user, make_session, clock):
    found = make_session()
    login(make_user())
    _finish(client, client.get(f"/c/{_token(found, clock.now)}"))
    clock.advance(seconds=30)
    response = _finish(client, client.get(f"/c/{_token(found, clock.now)}"))
    assert "Bạn đã điểm danh rồi" in page_text(client.get(response.headers["Location"]))
    assert _count() == 1


def test_a_photo_of_the_code_stops_working(client, login, make_user, make_session, clock):
    """The same code scanned at once works; scanned again after a minute it has expired."""
    found = make_session()
    token = _token(found, clock.now)
    first, late = make_user(name="Người có mặt"), make_user(name="Người ở nhà")
    login(first)
    _finish(client, client.get(f"/c/{token}"))
    client.post("/logout")
    clock.advance(seconds=tokens.WINDOW_SECONDS * (tokens.GRACE_WINDOWS + 1))
    login(late)
    response = client.get(f"/c/{token}")
    assert response.status_code == 410
    text = page_text(response)
    assert "Mã QR này đã hết hạn" in text and "đổi sau mỗi 20 giây" in text
    assert "Nhập mã buổi học" in text  # a way forward
    assert _count() == 1


def test_visitor_signs_in_and_is_checked_in_without_scanning_again(
    client, make_user, make_session, clock
):
    found = make_session()
    resident = make_user(phone="0912345678")
    response = client.get(f"/c/{_token(found, clock.now)}")
    page = client.get(response.headers["Location"])
    assert "đăng nhập hoặc đăng ký" in page_text(page)
    clock.advance(minutes=5)  # the code has long changed while they found their PIN
    response = client.post(
        "/login", data={"phone": "0912345678", "secret": DEFAULT_PIN, "next": "/c/claim"}
    )
    assert response.headers["Location"] == "/c/claim"
    html = client.get("/c/claim").get_data(as_text=True)
    event_id = html.split('name="event_id" value="')[1].split('"')[0]
    client.post("/c/claim", data={"event_id": event_id})
    assert _count() == 1
    assert _db.session.scalar(select(CheckIn)).user_id == resident.id


def test_visitor_registers_then_is_checked_in(client, make_session, places, clock):
    found = make_session()
    client.get(f"/c/{_token(found, clock.now)}")
    response = client.post(
        "/register",
        data={
            "name": "Lê Văn Mới",
            "phone": "0987000222",
            "pin": "135790",
            "pin2": "135790",
            "province": str(places.phu_tho.id),
            "commune": str(places.lam_thao.id),
            "area_id": str(places.thuy_nhat.id),
            "consent": "1",
            "next": "/c/claim",
        },
    )
    assert response.headers["Location"] == "/c/claim"
    html = client.get("/c/claim").get_data(as_text=True)
    event_id = html.split('name="event_id" value="')[1].split('"')[0]
    client.post("/c/claim", data={"event_id": event_id})
    assert _count() == 1


def test_a_claim_does_not_last_forever(client, make_user, make_session, clock, login):
    found = make_session()
    client.get(f"/c/{_token(found, clock.now)}")
    clock.advance(minutes=25)
    login(make_user())
    response = client.get("/c/claim")
    assert response.status_code == 410
    assert _count() == 0


@pytest.mark.parametrize(
    ("problem", "status", "text"),
    [
        ("forged", 404, "không phải mã điểm danh"),
        ("garbage", 404, "không phải mã điểm danh"),
        ("cancelled", 410, "đã bị hủy"),
        ("closed", 410, "chưa mở điểm danh"),
    ],
)
def test_bad_codes_are_explained(
    client, login, make_user, make_session, clock, problem, status, text
):
    found = make_session(
        starts_in=timedelta(days=1) if problem == "closed" else timedelta(minutes=-5)
    )
    token = _token(found, clock.now)
    if problem == "forged":
        token = tokens.make(found.id, "not the secret", tokens.window_at(clock.now))
    elif problem == "garbage":
        token = "not-a-token"
    elif problem == "cancelled":
        from learnapp.attendance.services import cancel_session

        cancel_session(found)
        _db.session.commit()
    login(make_user())
    response = client.get(f"/c/{token}")
    assert response.status_code == status
    assert text in page_text(response)
    assert _count() == 0


def test_typed_code(client, login, make_user, make_session):
    found = make_session()
    login(make_user())
    response = client.post("/c/", data={"code": "zzzzzz"})
    assert response.status_code == 422
    assert "Không có buổi học nào mang mã này" in page_text(response)
    spaced = " ".join(found.code.lower())
    response = client.post("/c/", data={"code": spaced})
    response = _finish(client, response)
    assert _count() == 1
    assert _db.session.scalar(select(CheckIn)).method == "code"


def test_typed_code_of_a_session_not_open(client, login, make_user, make_session):
    found = make_session(starts_in=timedelta(days=2))
    login(make_user())
    response = client.post("/c/", data={"code": found.code})
    assert "không còn nhận điểm danh" in page_text(response)

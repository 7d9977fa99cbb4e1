"""Signing in and out, as residents and staff."""

import pytest

from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD, DEFAULT_PIN, page_text


def test_resident_signs_in_with_phone_and_pin(client, make_user):
    user = make_user(phone="0912345678")
    response = client.post("/login", data={"phone": "+84 912 345 678", "secret": DEFAULT_PIN})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Xin chào, Nguyễn Thị Hoa!" in page_text(client.get("/"))
    assert user.is_authenticated


def test_wrong_pin_is_refused_in_vietnamese(client, make_user):
    make_user(phone="0912345678")
    response = client.post("/login", data={"phone": "0912345678", "secret": "111222"})
    assert response.status_code == 422
    assert "Mã PIN chưa đúng" in page_text(response)
    assert "Xin chào" not in page_text(client.get("/"))


def test_unknown_phone_suggests_registering(client, places):
    response = client.post("/login", data={"phone": "0987654321", "secret": DEFAULT_PIN})
    assert response.status_code == 422
    assert "Chưa có tài khoản nào dùng số điện thoại này" in page_text(response)


def test_malformed_phone(client, places):
    response = client.post("/login", data={"phone": "12345", "secret": DEFAULT_PIN})
    assert response.status_code == 422
    text = page_text(response)
    assert "không phải số điện thoại Việt Nam" in text
    assert 'value="12345"' in response.get_data(as_text=True)  # what was typed stays


def test_staff_signs_in_with_password(client, make_user, places):
    make_user(role="trainer", phone="0900000003", area=places.thuy_nhat)
    response = client.post(
        "/login", data={"phone": "0900000003", "secret": DEFAULT_PASSWORD, "as": "staff"}
    )
    assert response.status_code == 302
    assert "Người hướng dẫn" in page_text(client.get("/"))


def test_wrong_staff_password(client, make_user):
    make_user(role="official", phone="0900000002")
    response = client.post("/login", data={"phone": "0900000002", "secret": "wrong password!"})
    assert "Mật khẩu chưa đúng" in page_text(response)


def test_switched_off_account_cannot_sign_in(client, make_user):
    from learnapp.auth.services import deactivate

    user = make_user(role="trainer")
    deactivate(user)
    _db.session.commit()
    response = client.post("/login", data={"phone": user.phone, "secret": DEFAULT_PASSWORD})
    assert response.status_code == 422
    assert "đã bị tắt" in page_text(response)


def test_next_goes_back_to_the_page_asked_for(client, make_user):
    user = make_user(role="trainer")
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    response = client.post(
        "/login", data={"phone": user.phone, "secret": DEFAULT_PASSWORD, "next": "/staff/"}
    )
    assert response.headers["Location"] == "/staff/"


def test_next_never_leaves_the_site(client, make_user):
    user = make_user()
    response = client.post(
        "/login", data={"phone": user.phone, "secret": DEFAULT_PIN, "next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/"


def test_sign_in_renews_the_session(client, make_user):
    user = make_user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    client.post("/login", data={"phone": user.phone, "secret": DEFAULT_PIN})
    with client.session_transaction() as session:
        assert "planted" not in session


def test_resident_is_remembered_staff_is_not(client, make_user):
    resident = make_user()
    response = client.post(
        "/login", data={"phone": resident.phone, "secret": DEFAULT_PIN, "remember": "1"}
    )
    assert "remember_token" in response.headers.get("Set-Cookie", "") or any(
        "remember_token" in c for c in response.headers.getlist("Set-Cookie")
    )
    client.post("/logout")
    staff = make_user(role="trainer")
    response = client.post(
        "/login", data={"phone": staff.phone, "secret": DEFAULT_PASSWORD, "remember": "1"}
    )
    assert not any(
        "remember_token=" in c and "Expires=Thu, 01 Jan 1970" not in c
        for c in response.headers.getlist("Set-Cookie")
    )


def test_logout_forgets_the_phone(client, make_user):
    user = make_user()
    client.post("/login", data={"phone": user.phone, "secret": DEFAULT_PIN, "remember": "1"})
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    assert "Xin chào" not in page_text(client.get("/"))


def test_logout_is_post_only(client, make_user, login):
    login(make_user())
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert "Xin chào" not in page_text(client.get("/"))


def test_changing_the_pin_signs_out_other_devices(app, client, make_user, login):
    user = make_user()
    other = app.test_client()
    login(user, client_=other)
    login(user)
    response = client.post(
        "/profile/secret", data={"current": DEFAULT_PIN, "new": "135792", "new2": "135792"}
    )
    assert response.status_code == 302
    assert "Xin chào" in page_text(client.get("/"))
    assert "Xin chào" not in page_text(other.get("/"))
    assert client.post("/logout").status_code == 302
    response = client.post("/login", data={"phone": user.phone, "secret": "135792"})
    assert response.status_code == 302


@pytest.mark.parametrize("new", ["12345", "abcdef", "111111", "1234567"])
def test_bad_new_pin_is_refused(client, make_user, login, new):
    user = make_user()
    login(user)
    response = client.post(
        "/profile/secret", data={"current": DEFAULT_PIN, "new": new, "new2": new}
    )
    assert response.status_code == 422
    response = client.post("/logout")
    assert login(user).status_code == 302  # the old PIN still works


def test_csrf_token_is_required(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    response = client.post("/login", data={"phone": user.phone, "secret": DEFAULT_PIN})
    assert response.status_code == 400
    assert "Trang này đã hết hạn" in page_text(response)
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"phone": user.phone, "secret": DEFAULT_PIN, "csrf_token": token}
    )
    assert response.status_code == 302


def test_htmx_sends_the_csrf_token_from_the_body(client):
    html = client.get("/").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html

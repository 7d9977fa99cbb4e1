"""A second step for staff: an authenticator app's code, or a one-time recovery code."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from learnapp.core.audit import AuditEntry
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD, page_text


def _enable(client, login, user):
    """Turn the second step on through the pages; returns (secret, recovery codes)."""
    login(user)
    page = client.get("/profile/two-factor")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    assert "<svg" in html  # the QR code for the app
    response = client.post("/profile/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    codes = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", response.get_data(as_text=True)
    )
    assert len(codes) == 10
    client.post("/logout")
    return secret, codes


def _password(client, user):
    return client.post(
        "/login", data={"phone": user.phone, "secret": DEFAULT_PASSWORD, "as": "staff"}
    )


def _code_for_next_step(secret):
    # A code of the next 30-second step: the one used to turn it on may not be reused.
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
def official(make_user, places):
    return make_user(role="official", area=places.lam_thao, phone="0911111111")


def test_sign_in_with_password_then_code(client, login, official):
    secret, _codes = _enable(client, login, official)
    response = _password(client, official)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert client.get("/staff/").status_code == 302  # not signed in yet
    response = client.post("/login/code", data={"code": "000000"})
    assert response.status_code == 422
    assert "Mã chưa đúng" in page_text(response)
    response = client.post("/login/code", data={"code": _code_for_next_step(secret)})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_code_works_once(client, login, official):
    secret, _codes = _enable(client, login, official)
    code = _code_for_next_step(secret)
    _password(client, official)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    _password(client, official)
    assert client.post("/login/code", data={"code": code}).status_code == 422


def test_recovery_code_works_once(client, login, official):
    _secret, codes = _enable(client, login, official)
    _password(client, official)
    response = client.post("/login/code", data={"code": codes[3].upper()}, follow_redirects=True)
    assert "còn lại 9 mã" in page_text(response)
    client.post("/logout")
    _password(client, official)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "2fa.recovery_code"))


def test_wrong_codes_are_throttled(client, login, official):
    secret, _codes = _enable(client, login, official)
    _password(client, official)
    for _ in range(5):
        assert client.post("/login/code", data={"code": "123456"}).status_code == 422
    response = client.post("/login/code", data={"code": _code_for_next_step(secret)})
    assert response.status_code == 429
    assert "sai mã quá nhiều lần" in page_text(response)


def test_the_code_step_expires(client, login, official):
    secret, _codes = _enable(client, login, official)
    _password(client, official)
    with client.session_transaction() as state:
        pending = dict(state["pending_2fa"])
        pending["at"] -= 301
        state["pending_2fa"] = pending
    response = client.post("/login/code", data={"code": _code_for_next_step(secret)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302


def test_turning_it_on_ends_other_sessions(app, client, login, official):
    other = app.test_client()
    login(official, client_=other)
    _enable(client, login, official)
    assert other.get("/staff/").status_code == 302


def test_required_setting_sends_officials_to_set_it_up(
    app, client, login, official, make_user, places
):
    app.config["REQUIRE_2FA"] = True
    login(official)
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/profile/two-factor"
    )
    assert "phải dùng bước xác thực thứ hai" in page_text(client.get("/profile/two-factor"))
    client.post("/logout")
    trainer = make_user(role="trainer", area=places.lam_thao)
    login(trainer)
    assert client.get("/staff/").status_code == 200  # trainers are not bound by it


def test_turn_off_needs_the_password_and_is_refused_when_required(app, client, login, official):
    secret, _codes = _enable(client, login, official)
    _password(client, official)
    client.post("/login/code", data={"code": _code_for_next_step(secret)})
    response = client.post("/profile/two-factor", data={"action": "off", "password": "sai"})
    assert response.status_code == 422
    app.config["REQUIRE_2FA"] = True
    assert "Tắt" not in page_text(client.get("/profile/two-factor"))
    response = client.post(
        "/profile/two-factor", data={"action": "off", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 400
    app.config["REQUIRE_2FA"] = False
    response = client.post(
        "/profile/two-factor", data={"action": "off", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    client.post("/logout")
    assert _password(client, official).headers["Location"].endswith("/")


def test_residents_have_no_second_step(client, login, make_user, places):
    login(make_user(area=places.thuy_nhat))
    assert client.get("/profile/two-factor").status_code == 403

"""Sessions: a fresh one at every sign-in; staff signed out when idle."""

import time

from tests.conftest import DEFAULT_PIN, page_text


def test_sign_in_starts_a_fresh_session(client, make_user, places):
    user = make_user(phone="0912345678")
    client.get("/login")
    with client.session_transaction() as before:
        before["planted"] = "by someone else"  # e.g. a cookie set on a shared phone
    client.post("/login", data={"phone": user.phone, "secret": DEFAULT_PIN})
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["_user_id"].startswith(f"{user.id}.")


def test_idle_staff_are_signed_out(app, client, login, make_user, places):
    official = make_user(role="official", area=places.lam_thao)
    login(official)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as state:
        state["seen"] = int(time.time()) - 31 * 60
    response = client.get("/staff/residents/")
    assert response.status_code == 302
    assert "/login?next=/staff/residents/" in response.headers["Location"]
    text = page_text(client.get(response.headers["Location"]))
    assert "đăng xuất sau 30 phút không hoạt động" in text
    assert client.get("/staff/").status_code == 302  # really signed out


def test_active_staff_stay_signed_in(client, login, make_user, places):
    official = make_user(role="official", area=places.lam_thao)
    login(official)
    with client.session_transaction() as state:
        state["seen"] = int(time.time()) - 29 * 60
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as state:
        assert int(time.time()) - state["seen"] < 5  # the request counted as activity


def test_idle_staff_offline_queue_gets_401(client, login, make_user, places):
    official = make_user(role="trainer", area=places.lam_thao)
    login(official)
    with client.session_transaction() as state:
        state["seen"] = int(time.time()) - 3600
    response = client.post("/api/v1/sync", json={"events": []})
    assert response.status_code == 401


def test_residents_are_not_signed_out_when_idle(client, login, make_user, places):
    login(make_user(area=places.thuy_nhat))
    with client.session_transaction() as state:
        state["seen"] = int(time.time()) - 10 * 24 * 3600
    assert client.get("/profile").status_code == 200

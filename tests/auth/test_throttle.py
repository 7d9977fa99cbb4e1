"""Guessing a PIN: failed sign-ins are counted per account and per address."""

import pytest

from tests.conftest import DEFAULT_PIN, page_text


def _try(client, phone, secret="000000", address="10.0.0.1"):  # noqa: S107
    return client.post(
        "/login", data={"phone": phone, "secret": secret}, environ_base={"REMOTE_ADDR": address}
    )


def test_five_wrong_pins_lock_the_account_for_a_while(client, make_user, places):
    user = make_user(phone="0912345678")
    for _ in range(5):
        assert _try(client, "0912 345 678").status_code == 422
    # Locked now, even with the right PIN, and the message says what to do.
    response = _try(client, "0912345678", DEFAULT_PIN)
    assert response.status_code == 429
    assert 60 <= int(response.headers["Retry-After"]) <= 15 * 60
    text = page_text(response)
    assert "Bạn đã nhập sai quá nhiều lần" in text and "15 phút" in text
    assert 'value="0912345678"' in response.get_data(as_text=True)
    # Another account from the same address is not locked.
    other = make_user(phone="0987654321")
    assert _try(client, other.phone, DEFAULT_PIN).status_code == 302
    assert user.phone == "0912345678"


def test_the_same_number_written_otherwise_counts_as_the_same_account(client, make_user, places):
    make_user(phone="0912345678")
    for raw in ("0912345678", "+84912345678", "84 912 345 678", "0912.345.678", "0912-345-678"):
        _try(client, raw)
    assert _try(client, "0912345678", DEFAULT_PIN).status_code == 429


def test_successful_sign_ins_are_not_counted(client, make_user, places):
    user = make_user(phone="0912345678")
    for _ in range(8):
        assert _try(client, user.phone, DEFAULT_PIN).status_code == 302
        client.post("/logout")


def test_one_address_guessing_many_accounts_is_stopped(app, client, make_user, places):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "10 per 15 minutes"
    for n in range(10):
        _try(client, f"09123450{n:02d}")
    response = _try(client, "0912345699")
    assert response.status_code == 429
    assert "Bạn đã thử quá nhiều lần từ thiết bị này" in page_text(response)
    # From another address, the same person signs in.
    user = make_user(phone="0912345698")
    assert _try(client, user.phone, DEFAULT_PIN, address="10.0.0.2").status_code == 302


def test_unreadable_phone_numbers_do_not_lock_anyone(client, make_user, places):
    user = make_user(phone="0912345678")
    for _ in range(8):
        assert _try(client, "not a phone").status_code == 422
    assert _try(client, user.phone, DEFAULT_PIN).status_code == 302


@pytest.mark.parametrize("staff", [True])
def test_staff_passwords_are_throttled_too(client, make_user, places, staff):
    official = make_user(role="official", area=places.lam_thao, phone="0911111111")
    for _ in range(5):
        assert _try(client, official.phone, "wrong password").status_code == 422
    assert _try(client, official.phone, "correct horse battery").status_code == 429


@pytest.mark.parametrize(
    "password",
    ["matkhau123456", "anhyeuem123", "Password123!", "hocvuso2026!", "Nguyen Van An 0912"],
)
def test_common_passwords_are_refused(client, login, make_user, places, password):
    official = make_user(role="official", area=places.lam_thao, name="Nguyễn Văn An")
    login(official)
    response = client.post(
        "/profile/secret",
        data={"current": "correct horse battery", "new": password, "new2": password},
    )
    assert response.status_code == 422
    assert "quá phổ biến hoặc quá dễ đoán" in page_text(response)


def test_a_long_unusual_password_is_accepted(client, login, make_user, places):
    official = make_user(role="official", area=places.lam_thao)
    login(official)
    new = "trâu cày ruộng sáng thứ hai"
    response = client.post(
        "/profile/secret", data={"current": "correct horse battery", "new": new, "new2": new}
    )
    assert response.status_code == 302

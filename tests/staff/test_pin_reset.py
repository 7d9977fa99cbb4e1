"""A resident forgot their PIN: a trainer of their area gives a temporary one."""

import re

from sqlalchemy import select

from learnapp.core.audit import AuditEntry
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PIN, page_text


def _new_pin(response) -> str:
    return re.search(r'id="new-pin">(\d{6})<', response.get_data(as_text=True)).group(1)


def test_trainer_resets_a_pin_and_the_resident_chooses_their_own(
    app, client, login, make_user, places
):
    resident = make_user(name="Hoàng Thị Thu", area=places.thuy_nhat, phone="0912345678")
    trainer = make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang")
    # The resident is locked out after guessing.
    for _ in range(5):
        client.post("/login", data={"phone": resident.phone, "secret": "111111"})
    assert (
        client.post("/login", data={"phone": resident.phone, "secret": DEFAULT_PIN}).status_code
        == 429
    )

    login(trainer)
    page = client.get("/staff/residents/?q=hoang thi thu")
    assert f"/staff/residents/{resident.id}" in page.get_data(as_text=True)
    response = client.post(f"/staff/residents/{resident.id}/pin")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    pin = _new_pin(response)
    assert "Hãy đọc cho Hoàng Thị Thu mã PIN tạm thời này" in page_text(response)
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resident.pin_reset"))
    assert entry.actor_id == trainer.id and entry.target == f"user:{resident.id}"
    client.post("/logout")

    # The old PIN no longer works; the temporary one does, at once, and asks for a new one.
    assert (
        client.post("/login", data={"phone": resident.phone, "secret": DEFAULT_PIN}).status_code
        == 422
    )
    response = client.post("/login", data={"phone": resident.phone, "secret": pin})
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile/secret")
    assert client.get("/lessons/").status_code == 302  # nothing else until a PIN is chosen
    response = client.post(
        "/profile/secret", data={"current": pin, "new": "246813", "new2": "246813"}
    )
    assert response.status_code == 302
    client.post("/logout")
    assert (
        client.post("/login", data={"phone": resident.phone, "secret": "246813"}).status_code == 302
    )


def test_a_reset_signs_the_resident_out_elsewhere(app, client, login, make_user, places):
    resident = make_user(area=places.thuy_nhat)
    other = app.test_client()
    login(resident, client_=other)
    assert other.get("/profile").status_code == 200
    login(make_user(role="trainer", area=places.lam_thao))
    client.post(f"/staff/residents/{resident.id}/pin")
    assert other.get("/profile").status_code == 302


def test_trainer_of_another_commune_cannot_reset(client, login, make_user, places):
    resident = make_user(area=places.thuy_nhat)
    login(make_user(role="trainer", area=places.lam_thao_bn))
    assert client.get(f"/staff/residents/{resident.id}").status_code == 403
    assert client.post(f"/staff/residents/{resident.id}/pin").status_code == 403
    assert _db.session.scalar(select(AuditEntry)) is None


def test_residents_cannot_reset_and_staff_pins_are_not_reset_here(client, login, make_user, places):
    resident = make_user(area=places.thuy_nhat)
    neighbour = make_user(area=places.thuy_nhat)
    login(neighbour)
    assert client.post(f"/staff/residents/{resident.id}/pin").status_code == 403
    client.post("/logout")
    official = make_user(role="official", area=places.lam_thao)
    login(make_user(role="official", area=places.lam_thao, name="Cán bộ khác"))
    assert client.post(f"/staff/residents/{official.id}/pin").status_code == 404


def test_a_resident_without_a_phone_has_no_pin_to_reset(client, login, make_user, places):
    resident = make_user(area=places.thuy_nhat, phone=None)
    login(make_user(role="trainer", area=places.lam_thao))
    text = page_text(client.get(f"/staff/residents/{resident.id}"))
    assert "không có số điện thoại" in text
    response = client.post(f"/staff/residents/{resident.id}/pin", follow_redirects=True)
    assert "Chỉ người dân có số điện thoại" in page_text(response)

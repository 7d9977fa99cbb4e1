"""Residents register themselves; trainers register residents at the door."""

import re

from sqlalchemy import func, select

from learnapp.auth.models import Role, User
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PASSWORD, page_text


def _count() -> int:
    return _db.session.scalar(select(func.count()).select_from(User))


def _form(places, **changes):
    data = {
        "name": "  Hoàng   Thị Thích ",
        "phone": "0912 345 678",
        "pin": "246810",
        "pin2": "246810",
        "birth_year": "1958",
        "province": str(places.phu_tho.id),
        "commune": str(places.lam_thao.id),
        "area_id": str(places.thuy_nhat.id),
        "consent": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_visitor_registers_and_is_signed_in(client, places, app):
    response = client.post("/register", data=_form(places))
    assert response.status_code == 302
    user = _db.session.scalar(select(User).where(User.phone == "0912345678"))
    assert user.name == "Hoàng Thị Thích"
    assert user.home_area_id == places.thuy_nhat.id
    assert user.birth_year == 1958
    assert user.role == Role.RESIDENT
    assert user.consent_version == app.config["PRIVACY_NOTICE_VERSION"]
    assert user.secret_hash and "246810" not in user.secret_hash
    assert "Xin chào, Hoàng Thị Thích!" in page_text(client.get("/"))


def test_register_form_lists_provinces_then_communes_then_areas(client, places):
    text = page_text(client.get("/register"))
    assert "Tỉnh Phú Thọ" in text and "Tỉnh Bắc Ninh" in text
    assert "Khu Thùy Nhật" not in text  # not until a commune is chosen
    picker = client.get(
        f"/areas/picker?province={places.phu_tho.id}", headers={"HX-Request": "true"}
    )
    text = page_text(picker)
    assert "Xã Lâm Thao" in text
    assert "Khu Thùy Nhật" in text and "Khu Phú Thịnh" in text  # the only commune is chosen
    assert "Thôn Đông" not in text


def test_picker_ignores_a_commune_from_another_province(client, places):
    picker = client.get(
        f"/areas/picker?province={places.phu_tho.id}&commune={places.lam_thao_bn.id}"
    )
    assert "Thôn Đông" not in page_text(picker)


def test_duplicate_phone_is_refused(client, places, make_user):
    make_user(phone="0912345678")
    before = _count()
    response = client.post("/register", data=_form(places, phone="+84912345678"))
    assert response.status_code == 422
    assert "Số điện thoại này đã được đăng ký" in page_text(response)
    assert _count() == before


def test_consent_is_required_and_never_pre_ticked(client, places):
    html = client.get("/register").get_data(as_text=True)
    consent_box = re.search(r'<input[^>]*name="consent"[^>]*>', html).group(0)
    assert "checked" not in consent_box
    response = client.post("/register", data=_form(places, consent=None))
    assert response.status_code == 422
    assert "đánh dấu để đồng ý" in page_text(response)
    assert _count() == 0


def test_too_long_name(client, places):
    response = client.post("/register", data=_form(places, name="Nguyễn " * 30))
    assert response.status_code == 422
    assert "tối đa 120 ký tự" in page_text(response)
    assert _count() == 0


def test_pins_must_match(client, places):
    response = client.post("/register", data=_form(places, pin2="246811"))
    assert "Hai mã PIN không giống nhau" in page_text(response)
    assert _count() == 0


def test_area_must_be_a_residential_area(client, places):
    response = client.post(
        "/register",
        data=_form(places, area_id=str(places.lam_thao.id), commune=str(places.lam_thao_bn.id)),
    )
    assert response.status_code == 422
    assert "chọn khu dân cư" in page_text(response)
    assert _count() == 0


def test_malformed_phone_and_year(client, places):
    response = client.post("/register", data=_form(places, phone="0912"))
    assert "không phải số điện thoại Việt Nam" in page_text(response)
    response = client.post("/register", data=_form(places, birth_year="năm"))
    assert "số nguyên" in page_text(response)
    response = client.post("/register", data=_form(places, birth_year="1850"))
    assert "từ 1900" in page_text(response)
    assert _count() == 0


def test_values_typed_are_kept_after_an_error(client, places):
    response = client.post("/register", data=_form(places, pin2="000000"))
    html = response.get_data(as_text=True)
    assert 'value="Hoàng   Thị Thích"' in html or 'value="  Hoàng   Thị Thích "' in html
    assert "246810" not in html  # PINs are never sent back


def test_without_javascript_the_picker_button_reloads_the_form(client, places):
    response = client.post(
        "/register",
        data={"province": str(places.bac_ninh.id), "refresh": "1", "name": "Lê Văn Nam"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Thôn Đông" in text
    assert _count() == 0


def test_trainer_registers_a_resident_without_a_phone(client, make_user, login, places):
    trainer = make_user(role="trainer", area=places.lam_thao)
    login(trainer)
    response = client.post(
        "/staff/residents/new",
        data={
            "name": "Bùi Văn Tâm",
            "birth_year": "1949",
            "commune": str(places.lam_thao.id),
            "area_id": str(places.phu_thinh.id),
        },
    )
    assert response.status_code == 302
    person = _db.session.scalar(select(User).where(User.name == "Bùi Văn Tâm"))
    assert person.phone is None and person.secret_hash is None
    assert person.created_by_id == trainer.id
    assert person.home_area_id == places.phu_thinh.id
    assert person.card_token


def test_trainer_cannot_register_into_another_commune(client, make_user, login, places):
    login(make_user(role="trainer", area=places.lam_thao))
    response = client.post(
        "/staff/residents/new",
        data={
            "name": "Bùi Văn Tâm",
            "province": str(places.bac_ninh.id),
            "commune": str(places.lam_thao_bn.id),
            "area_id": str(places.thon_dong.id),
        },
    )
    assert response.status_code == 422
    assert _db.session.scalar(select(User).where(User.name == "Bùi Văn Tâm")) is None


def test_trainer_pin_for_resident_is_optional_but_checked(client, make_user, login, places):
    login(make_user(role="trainer", area=places.lam_thao))
    response = client.post(
        "/staff/residents/new",
        data={
            "name": "Bùi Văn Tâm",
            "phone": "0977000111",
            "pin": "12",
            "area_id": str(places.phu_thinh.id),
            "commune": str(places.lam_thao.id),
        },
    )
    assert response.status_code == 422
    assert "đúng 6 chữ số" in page_text(response)


def test_profile_changes_name_language_and_text_size(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post(
        "/profile", data={"name": "Nguyễn Thị Hoa B", "locale": "en", "text_size": "large"}
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en" class="ts-large">' in html
    assert user.name == "Nguyễn Thị Hoa B"


def test_staff_password_must_be_long(client, make_user, login):
    user = make_user(role="official")
    login(user)
    response = client.post(
        "/profile/secret", data={"current": DEFAULT_PASSWORD, "new": "short", "new2": "short"}
    )
    assert response.status_code == 422
    assert "ít nhất 10 ký tự" in page_text(response)

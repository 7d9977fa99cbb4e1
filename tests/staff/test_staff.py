"""Staff pages: each person acts only within their responsibility area."""

import re

import pytest
from sqlalchemy import select

from learnapp.areas.models import Area, Team
from learnapp.auth.models import Role, User
from learnapp.extensions import db as _db
from tests.conftest import page_text


@pytest.fixture
def official(make_user, places):
    return make_user(role="official", area=places.lam_thao, name="Đỗ Thu Hằng", phone="0900000002")


def test_official_sees_own_area(client, login, official, places):
    login(official)
    response = client.get("/staff/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Xã Lâm Thao" in text and "Khu Thùy Nhật" in text


@pytest.mark.parametrize("path", ["/staff/areas/{other}", "/staff/areas/{other_child}"])
def test_official_cannot_open_another_commune(client, login, official, places, path):
    login(official)
    url = path.format(other=places.lam_thao_bn.id, other_child=places.thon_dong.id)
    assert client.get(url).status_code == 403


def test_unknown_area_is_404(client, login, official):
    login(official)
    assert client.get("/staff/areas/999999").status_code == 404


def test_resident_cannot_open_staff_pages(client, login, make_user):
    login(make_user())
    for path in ("/staff/", "/staff/residents/", "/staff/accounts/", "/staff/teams/"):
        assert client.get(path).status_code == 403, path


def test_trainer_cannot_manage_accounts_or_areas(client, login, make_user, places):
    login(make_user(role="trainer", area=places.lam_thao))
    assert client.get("/staff/accounts/").status_code == 403
    response = client.post(f"/staff/areas/{places.thuy_nhat.id}", data={"name": "X"})
    assert response.status_code == 403
    assert places.thuy_nhat.name == "Khu Thùy Nhật"


def test_official_adds_and_edits_a_residential_area(client, login, official, places):
    login(official)
    response = client.post(
        f"/staff/areas/{places.lam_thao.id}/children",
        data={"name": "Khu Hợp Nhất", "target_population": "720"},
    )
    assert response.status_code == 302
    area = _db.session.scalar(select(Area).where(Area.name == "Khu Hợp Nhất"))
    assert area.code == "08494-003" and area.target_population == 720
    response = client.post(
        f"/staff/areas/{area.id}", data={"name": "Khu Hợp Nhất", "target_population": "1.250"}
    )
    assert response.status_code == 302
    _db.session.refresh(area)
    assert area.target_population == 1250


def test_bad_target_population_is_explained_and_nothing_changes(client, login, official, places):
    login(official)
    response = client.post(
        f"/staff/areas/{places.thuy_nhat.id}",
        data={"name": "Khu Thùy Nhật", "target_population": "-5"},
    )
    assert response.status_code == 422
    assert "số nguyên" in page_text(response)
    _db.session.refresh(places.thuy_nhat)
    assert places.thuy_nhat.target_population == 400


def test_official_cannot_add_areas_in_another_province(client, login, official, places):
    login(official)
    response = client.post(
        f"/staff/areas/{places.lam_thao_bn.id}/children", data={"name": "Thôn Tây"}
    )
    assert response.status_code == 403


def test_official_creates_a_trainer_with_a_one_time_password(app, client, login, official, places):
    login(official)
    response = client.post(
        "/staff/accounts/new",
        data={
            "name": "Lê Minh Tuấn",
            "phone": "0987 000 111",
            "role": "trainer",
            "commune": str(places.lam_thao.id),
            "area_id": str(places.thuy_nhat.id),
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    one_time = re.search(r'id="one-time">([^<]+)<', html).group(1)
    trainer = _db.session.scalar(select(User).where(User.phone == "0987000111"))
    assert trainer.role == Role.TRAINER
    assert trainer.responsibility_area.id == places.thuy_nhat.id
    assert trainer.must_change_secret

    other = app.test_client()
    response = other.post("/login", data={"phone": "0987000111", "secret": one_time})
    assert response.headers["Location"] == "/profile/secret"
    # Until a password is chosen, every page leads back to the form.
    assert other.get("/staff/").headers["Location"] == "/profile/secret"
    response = other.post(
        "/profile/secret",
        data={"current": one_time, "new": "mật khẩu mới của tôi", "new2": "mật khẩu mới của tôi"},
    )
    assert response.status_code == 302
    assert other.get("/staff/").status_code == 200


def test_official_cannot_create_an_admin_or_staff_elsewhere(client, login, official, places):
    login(official)
    response = client.post(
        "/staff/accounts/new",
        data={
            "name": "Lê Minh Tuấn",
            "phone": "0987000111",
            "role": "admin",
            "commune": str(places.lam_thao.id),
        },
    )
    assert response.status_code == 422
    response = client.post(
        "/staff/accounts/new",
        data={
            "name": "Lê Minh Tuấn",
            "phone": "0987000111",
            "role": "trainer",
            "province": str(places.bac_ninh.id),
            "commune": str(places.lam_thao_bn.id),
        },
    )
    # The picker offers only the official's own commune: a forged choice is ignored
    # and the account lands in the official's area, never in Bắc Ninh.
    assert response.status_code == 200
    trainer = _db.session.scalar(select(User).where(User.phone == "0987000111"))
    assert trainer.responsibility_area.id == places.lam_thao.id


def test_official_switches_a_trainer_off_and_on(app, client, login, official, make_user, places):
    trainer = make_user(role="trainer", area=places.thuy_nhat)
    login(official)
    response = client.post(f"/staff/accounts/{trainer.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert login(trainer, client_=app.test_client()).status_code == 422
    client.post(f"/staff/accounts/{trainer.id}/active", data={"active": "1"})
    assert login(trainer, client_=app.test_client()).status_code == 302


def test_official_cannot_touch_staff_of_another_commune(client, login, official, make_user, places):
    stranger = make_user(role="trainer", area=places.lam_thao_bn, name="Phạm Văn Lạ")
    login(official)
    assert (
        client.post(f"/staff/accounts/{stranger.id}/active", data={"active": "0"}).status_code
        == 403
    )
    assert client.get(f"/staff/accounts/{stranger.id}").status_code == 403
    listing = page_text(client.get("/staff/accounts/"))
    assert "Đỗ Thu Hằng" in listing
    assert "Phạm Văn Lạ" not in listing


def test_official_cannot_edit_own_role(client, login, official):
    login(official)
    assert client.get(f"/staff/accounts/{official.id}").status_code == 403


def test_teams_and_members(client, login, official, make_user, places):
    trainer = make_user(role="trainer", area=places.thuy_nhat, name="Vũ Minh Trang")
    login(official)
    response = client.post(
        "/staff/teams/",
        data={
            "name": "Tổ công nghệ số cộng đồng khu Thùy Nhật",
            "commune": str(places.lam_thao.id),
            "area_id": str(places.thuy_nhat.id),
        },
    )
    assert response.status_code == 302
    team = _db.session.scalar(select(Team))
    assert team.area_id == places.thuy_nhat.id
    client.post(f"/staff/teams/{team.id}/members", data={"user_id": str(trainer.id), "leader": "1"})
    text = page_text(client.get(f"/staff/teams/{team.id}"))
    assert "Vũ Minh Trang" in text and "Tổ trưởng" in text
    client.post(f"/staff/teams/{team.id}/members/{trainer.id}/remove")
    assert (
        "Vũ Minh Trang"
        not in page_text(client.get(f"/staff/teams/{team.id}")).split("Thêm thành viên")[0]
    )


def test_team_in_another_commune_is_403(client, login, official, places):
    from learnapp.areas.services import create_team

    team = create_team(area=places.thon_dong, name="Tổ thôn Đông")
    _db.session.commit()
    login(official)
    assert client.get(f"/staff/teams/{team.id}").status_code == 403


def test_resident_search_ignores_accents(client, login, make_user, places):
    make_user(name="Nguyễn Thị Hoa", area=places.thuy_nhat)
    make_user(name="Trần Văn Bình", area=places.phu_thinh)
    make_user(name="Nguyễn Thị Lan", area=places.thon_dong)  # another commune
    login(make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang"))
    text = page_text(client.get("/staff/residents/?q=nguyen thi", headers={"HX-Request": "true"}))
    assert "Nguyễn Thị Hoa" in text
    assert "Trần Văn Bình" not in text
    assert "Nguyễn Thị Lan" not in text
    response = client.get("/staff/residents/?q=BINH")
    assert "Trần Văn Bình" in page_text(response)
    assert response.headers["Vary"].count("HX-Request") == 1

"""``flask users create`` and ``flask demo``."""

from sqlalchemy import func, select

from learnapp.auth.models import Role, User
from learnapp.demo import LOGINS
from learnapp.extensions import db as _db


def test_create_the_first_admin(app, runner):
    result = runner.invoke(
        args=["users", "create", "--name", "Trần Quốc Hưng", "--phone", "0900 000 001"]
    )
    assert result.exit_code == 0, result.output
    user = _db.session.scalar(select(User).where(User.phone == "0900000001"))
    assert user.role == Role.ADMIN
    assert user.responsibility_area.code == "VN"
    assert user.must_change_secret
    assert "Mật khẩu dùng một lần" in result.output


def test_create_with_an_unknown_area_code(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--name",
            "A",
            "--phone",
            "0900000001",
            "--role",
            "official",
            "--area",
            "99999",
        ]
    )
    assert result.exit_code != 0
    assert "Không có khu vực nào mang mã 99999" in result.output
    assert _db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_with_a_bad_phone(app, runner, places):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--name",
            "A",
            "--phone",
            "12",
            "--role",
            "trainer",
            "--area",
            "08494",
        ]
    )
    assert result.exit_code != 0
    assert "không phải số điện thoại Việt Nam" in result.output


def test_demo_loads_once_and_its_logins_work(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for _role, phone, secret in LOGINS:
        assert phone in result.output and secret in result.output
    users = _db.session.scalar(select(func.count()).select_from(User))
    assert users > 40
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert _db.session.scalar(select(func.count()).select_from(User)) == users
    client = app.test_client()
    for role, phone, secret in LOGINS:
        response = client.post("/login", data={"phone": phone, "secret": secret})
        assert response.status_code == 302, role
        user = _db.session.scalar(select(User).where(User.phone == phone))
        assert user.role == role
        assert client.get("/").status_code == 200
        client.post("/logout")


def test_stats_rebuild_says_how_many_rows_it_wrote(app, runner, make_user, places):
    make_user()  # one resident registered today: one row per area above them, and "all"
    result = runner.invoke(args=["stats", "rebuild"])
    assert result.exit_code == 0, result.output
    counts = dict(part.split(": ") for part in result.output.splitlines()[0].split(", "))
    assert set(counts) == {"area_daily", "area_active", "last_active"}
    assert int(counts["area_daily"]) >= 1 and int(counts["last_active"]) == 0

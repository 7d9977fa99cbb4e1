"""``flask demo``: a realistic demo commune, loaded once into an empty database.

Phú Thọ province, Lâm Thao commune and its residential areas, a team per area with
trainers, an official, an admin and a few dozen residents. A second "Xã Lâm Thao" in
Bắc Ninh shows why areas are told apart by code, not by name.
"""

from __future__ import annotations

import random

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from learnapp.areas import services as areas
from learnapp.auth import services as accounts
from learnapp.auth.models import Role, User
from learnapp.extensions import db

DEMO_PASSWORD = "lamthao-demo-2026"  # noqa: S105 - printed for the demo only
DEMO_PIN = "246810"

LOGINS = (
    ("admin", "0900000001", DEMO_PASSWORD),
    ("official", "0900000002", DEMO_PASSWORD),
    ("trainer", "0900000003", DEMO_PASSWORD),
    ("resident", "0900000010", DEMO_PIN),
)

RESIDENTIAL_AREAS = (
    ("Khu Thùy Nhật", 640),
    ("Khu Phú Thịnh", 580),
    ("Khu Hợp Nhất", 720),
    ("Khu Đoàn Kết", 510),
    ("Khu Tân Lập", 455),
    ("Khu Hùng Sơn", 830),
    ("Khu Thạch Sơn", 690),
    ("Khu Minh Khai", 600),
)

SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đỗ",
    "Bùi",
    "Đặng",
    "Ngô",
    "Dương",
    "Phan",
    "Đinh",
    "Hà",
    "Cao",
    "Kiều",
    "Lương",
    "Tạ",
)
MIDDLE_F = ("Thị", "Thu", "Ngọc", "Thanh", "Minh", "Kim", "Hồng")
MIDDLE_M = ("Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công")
GIVEN_F = (
    "Hoa",
    "Lan",
    "Hương",
    "Mai",
    "Nga",
    "Cúc",
    "Đào",
    "Liên",
    "Hạnh",
    "Yến",
    "Thoa",
    "Huệ",
    "Tâm",
    "Nhung",
    "Loan",
    "Thủy",
    "Vân",
    "Hằng",
)
GIVEN_M = (
    "Tuấn",
    "Hùng",
    "Dũng",
    "Bình",
    "Sơn",
    "Thắng",
    "Phúc",
    "Khánh",
    "Long",
    "Hải",
    "Toàn",
    "Nam",
    "Quý",
    "Lợi",
    "Thành",
    "Tiến",
    "Chiến",
    "Vinh",
)


def _name(rng: random.Random) -> str:
    if rng.random() < 0.55:
        return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def load_demo() -> None:
    """Create the demo data (the caller commits)."""
    rng = random.Random(2025)  # noqa: S311 - the same made-up names on every machine
    country = areas.root()
    phu_tho = areas.create_area(parent=country, name="Tỉnh Phú Thọ", code="25")
    lam_thao = areas.create_area(
        parent=phu_tho, name="Xã Lâm Thao", code="08494", target_population=5025
    )
    bac_ninh = areas.create_area(parent=country, name="Tỉnh Bắc Ninh", code="24")
    areas.create_area(parent=bac_ninh, name="Xã Lâm Thao", code="09529")
    residential = [
        areas.create_area(parent=lam_thao, name=name, target_population=target)
        for name, target in RESIDENTIAL_AREAS
    ]
    thuy_nhat = residential[0]

    accounts.create_staff(
        name="Trần Quốc Hưng",
        phone="0900000001",
        role=Role.ADMIN,
        area=country,
        password=DEMO_PASSWORD,
    )
    accounts.create_staff(
        name="Đỗ Thu Hằng",
        phone="0900000002",
        role=Role.OFFICIAL,
        area=lam_thao,
        password=DEMO_PASSWORD,
    )
    trainer, _ = accounts.create_staff(
        name="Vũ Minh Trang",
        phone="0900000003",
        role=Role.TRAINER,
        area=thuy_nhat,
        password=DEMO_PASSWORD,
    )
    phone_no = 1000
    for index, area in enumerate(residential):
        team = areas.create_team(area=area, name=f"Tổ công nghệ số cộng đồng {area.name.lower()}")
        if index == 0:
            areas.add_member(team, trainer, leader=True)
        for member_no in range(2 if index else 1, 4):
            phone_no += 1
            person, _ = accounts.create_staff(
                name=_name(rng),
                phone=f"0901{phone_no:06d}",
                role=Role.TRAINER,
                area=area,
                password=DEMO_PASSWORD,
            )
            areas.add_member(team, person, leader=member_no == 1 and index > 0)

    accounts.register_resident(
        name="Hoàng Thị Thu",
        phone="0900000010",
        pin=DEMO_PIN,
        birth_year=1958,
        area=thuy_nhat,
        consent_version="demo",
        locale="vi",
    )
    for number in range(40):
        area = residential[number % len(residential)]
        has_phone = number % 5 != 4  # one in five came without a phone
        accounts.register_resident(
            name=_name(rng),
            area=area,
            phone=f"0902{number + 1:06d}" if has_phone else None,
            pin=DEMO_PIN if has_phone else None,
            birth_year=rng.randint(1940, 1990),
            assisted=True,
        )
    db.session.flush()


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo commune if the database is empty, and print the demo logins."""
    if database_is_empty():
        load_demo()
        db.session.commit()
        click.echo(_("Demo data loaded: Tỉnh Phú Thọ › Xã Lâm Thao (08494) and its areas."))
    else:
        click.echo(_("The database already has accounts; demo data not loaded again."))
    click.echo(_("Demo sign-in (phone, then password or PIN):"))
    for role, phone, secret in LOGINS:
        click.echo(f"  {role:<9} {phone}  {secret}")

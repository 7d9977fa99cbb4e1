"""Attendance records for reports: CSV for Excel, a paper sheet, trainers' and teams' activity."""

import csv
import io
import uuid
from datetime import timedelta

from learnapp.areas.services import add_member, create_team
from learnapp.attendance import services
from learnapp.attendance.models import Method
from learnapp.core.time import utcnow
from learnapp.extensions import db as _db
from tests.conftest import page_text


def _present(found, *people, by=None):
    for person in people:
        services.check_in(
            found,
            person,
            method=Method.MANUAL,
            client_uuid=str(uuid.uuid4()),
            recorded_by=by,
            at=found.starts_at + timedelta(minutes=5),
        )
    _db.session.commit()


def test_csv_export_keeps_vietnamese_for_excel(client, login, trainer, make_user, make_session):
    found = make_session()
    _present(
        found,
        make_user(name="Hoàng Thị Thích", birth_year=1950),
        make_user(name="Đặng Văn Đức"),
        by=trainer,
    )
    login(trainer)
    response = client.get(f"/sessions/{found.id}/attendance.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:2] == ["STT", "Họ và tên"]
    names = {row[1] for row in rows[1:]}
    assert names == {"Hoàng Thị Thích", "Đặng Văn Đức"}
    thich = next(row for row in rows if row[1] == "Hoàng Thị Thích")
    assert thich[2] == "1950" and thich[3] == "Khu Thùy Nhật" and thich[6] == "Vũ Minh Trang"


def test_printable_sheet_has_names_and_room_to_sign(
    client, login, trainer, make_user, make_session
):
    found = make_session()
    _present(found, make_user(name="Hoàng Thị Thích"))
    login(trainer)
    text = page_text(client.get(f"/sessions/{found.id}/sheet"))
    assert "Danh sách điểm danh" in text and "Hoàng Thị Thích" in text and "Chữ ký" in text
    assert found.code in text


def test_activity_of_trainers_and_teams(client, login, trainer, make_user, make_session, places):
    team = create_team(area=places.thuy_nhat, name="Tổ công nghệ số khu Thùy Nhật")
    add_member(team, trainer)
    _db.session.commit()
    one = make_session(title="Buổi một")
    one.team = team
    two = make_session(title="Buổi hai", starts_in=timedelta(hours=3))
    two.team = team
    cancelled = make_session(title="Buổi hủy")
    services.cancel_session(cancelled)
    _db.session.commit()
    a, b = make_user(name="Người A"), make_user(name="Người B")
    _present(one, a, b)
    _present(two, a)
    login(trainer)
    month = utcnow().strftime("%Y-%m")
    trainers, teams = services.activity(
        places.lam_thao, utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    )
    assert [(t.name, t.sessions, t.people) for t in trainers] == [("Vũ Minh Trang", 2, 3)]
    assert [(t.name, t.sessions, t.people, t.trainers) for t in teams] == [
        ("Tổ công nghệ số khu Thùy Nhật", 2, 3, 1)
    ]
    text = page_text(client.get(f"/sessions/activity?month={month}"))
    assert "Tổ công nghệ số khu Thùy Nhật" in text and "Vũ Minh Trang" in text
    assert "không có buổi học" not in page_text(client.get("/sessions/activity?month=bad"))


def test_printing_cards_for_residents_without_a_phone(client, login, trainer, make_user, places):
    make_user(name="Có Điện Thoại")
    make_user(name="Không Điện Thoại", phone=None)
    login(trainer)
    page = client.get(f"/cards/{places.thuy_nhat.id}")
    text = page_text(page)
    assert "Không Điện Thoại" in text and "Có Điện Thoại" not in text
    assert page.get_data(as_text=True).count('<svg class="qr"') == 1
    assert "Có Điện Thoại" in page_text(client.get(f"/cards/{places.thuy_nhat.id}?all=1"))
    assert client.get(f"/cards/{places.thon_dong.id}").status_code == 403

"""A resident takes a copy of their data, or deletes their account; the figures stay."""

import csv
import io
import json

from sqlalchemy import select

from learnapp.auth.models import User
from learnapp.badges.models import Badge
from learnapp.core.audit import AuditEntry
from learnapp.core.database import writing
from learnapp.dashboard import reports, stats
from learnapp.extensions import db as _db
from tests.conftest import DEFAULT_PIN, page_text
from tests.dashboard.conftest import commune  # noqa: F401 (a fixture)
from tests.dashboard.test_figures import _tables


def _person(commune, name):  # noqa: F811
    return next(p for p in commune["people"] if p.name == name)


def test_download_my_data_as_json_and_csv(client, login, commune):  # noqa: F811
    b = _person(commune, "Người B")
    login(b)
    assert "Tải về (JSON)" in page_text(client.get("/profile/data"))
    response = client.get("/profile/data.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["name"] == "Người B" and data["account"]["phone"] == b.phone
    assert data["account"]["area"] == "Khu Thùy Nhật, Xã Lâm Thao, Tỉnh Phú Thọ"
    assert len(data["lessons"]) == 7 and all(x["status"] == "completed" for x in data["lessons"])
    assert data["lessons"][0]["course"] == "Thanh toán không dùng tiền mặt"
    assert len(data["attendance"]) == 1 and data["attendance"][0]["session"] == "S1"
    assert len(data["badges"]) == 1 and data["badges"][0]["revoked_at"] is None
    assert any(a["kind"] == "quiz" for a in data["learning_actions"])
    rows = list(csv.reader(io.StringIO(client.get("/profile/data.csv").get_data(as_text=True)[1:])))
    assert rows[0] == ["section", "field", "value", "at"]
    assert ["account", "name", "Người B", ""] in rows
    assert sum(1 for r in rows if r[0] == "lessons") == 7
    entries = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "data.download"))
    assert [e.facts["format"] for e in entries] == ["json", "csv"]


def test_nobody_else_gets_my_data(client, commune):  # noqa: F811
    response = client.get("/profile/data.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_delete_my_account_erases_me_and_keeps_the_counts(client, login, places, commune):  # noqa: F811
    b = _person(commune, "Người B")
    phone, card = b.phone, b.card_token
    badge = _db.session.scalar(select(Badge).where(Badge.user_id == b.id))
    before = reports.figures(
        [places.lam_thao], reports.Period(reports.EPOCH, reports.today()), reports.today()
    )[places.lam_thao.id]
    login(b)
    response = client.post("/profile/delete", data={"secret": "000000", "understood": "1"})
    assert response.status_code == 422 and "Mã PIN chưa đúng" in page_text(response)
    response = client.post("/profile/delete", data={"secret": DEFAULT_PIN})
    assert response.status_code == 422 and "đánh dấu vào ô" in page_text(response)
    response = client.post("/profile/delete", data={"secret": DEFAULT_PIN, "understood": "1"})
    assert response.status_code == 302
    assert "Tài khoản của bạn đã được xóa" in page_text(client.get(response.headers["Location"]))

    _db.session.expire_all()
    gone = _db.session.get(User, b.id)
    assert gone.name == "—" and gone.phone is None and gone.secret_hash is None
    assert gone.birth_year is None and gone.card_token != card and gone.erased_at is not None
    # Nobody can sign in as them, find them by phone, card or name, or check their badge.
    assert client.post("/login", data={"phone": phone, "secret": DEFAULT_PIN}).status_code == 422
    assert client.get(f"/u/{card}").status_code == 404
    assert client.get(f"/b/{badge.public_id}").status_code == 410
    assert client.get(f"/b/{badge.public_id}/credential.json").status_code == 410
    official = commune["trainer"]
    login(official)
    assert "Người B" not in page_text(client.get("/staff/residents/?q=nguoi"))
    # The figures are the same, now and after a rebuild from the records.
    after = reports.figures(
        [places.lam_thao], reports.Period(reports.EPOCH, reports.today()), reports.today()
    )[places.lam_thao.id]
    assert after.as_dict() == before.as_dict()
    incremental = _tables()
    with writing():
        stats.rebuild()
    assert _tables() == incremental


def test_staff_cannot_delete_themselves_here(client, login, make_user, places):
    official = make_user(role="official", area=places.lam_thao)
    login(official)
    assert "quản trị viên" in page_text(client.get("/profile/data"))
    assert (
        client.post("/profile/delete", data={"secret": "x", "understood": "1"}).status_code == 403
    )


def test_no_citizen_id_and_no_location_is_ever_stored():
    columns = {c.name for c in User.__table__.columns}
    assert not columns & {
        "cccd",
        "citizen_id",
        "national_id",
        "id_number",
        "lat",
        "lng",
        "latitude",
        "longitude",
        "location",
        "address",
    }


def test_staff_actions_on_personal_data_are_in_the_audit_log(client, login, make_user, places):
    admin = make_user(role="admin", area=places.country, name="Quản trị")
    official = make_user(role="official", area=places.lam_thao, name="Trần Văn Phúc")
    login(official)
    client.post(
        "/staff/residents/new",
        data={
            "name": "Lê Thị Mai",
            "commune": str(places.lam_thao.id),
            "area_id": str(places.thuy_nhat.id),
        },
    )
    client.get(f"/cards/{places.thuy_nhat.id}")
    client.post("/logout")
    login(admin)
    text = page_text(client.get("/staff/audit"))
    assert "resident.create" in text and "print.cards" in text and "Trần Văn Phúc" in text
    text = page_text(client.get("/staff/audit?action=print.cards"))
    assert "print.cards" in text and "resident.create" not in text.split("Chi tiết", 1)[1]
    assert client.get("/staff/audit?page=abc").status_code == 200
    client.post("/logout")
    login(official)
    assert client.get("/staff/audit").status_code == 403

"""Officials set the targets of their areas from a spreadsheet; reports follow."""

import csv
import io

import pytest
from sqlalchemy import select

from learnapp.areas.models import Area
from learnapp.core.audit import AuditEntry
from learnapp.extensions import db as _db
from tests.conftest import page_text


@pytest.fixture
def official(make_user, places):
    return make_user(role="official", area=places.lam_thao, name="Trần Văn Phúc")


def _upload(client, places, text, encoding="utf-8-sig"):
    return client.post(
        f"/staff/areas/{places.lam_thao.id}/targets",
        data={"file": (io.BytesIO(text.encode(encoding)), "muc-tieu.csv")},
        content_type="multipart/form-data",
    )


def _target(area):
    _db.session.expire_all()
    found = _db.session.get(Area, area.id)
    return found.target_population, found.target_total


def test_download_fill_in_upload(client, login, official, places):
    login(official)
    response = client.get(f"/staff/areas/{places.lam_thao.id}/targets.csv")
    assert response.status_code == 200 and response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["code", "name", "target_population"],
        ["08494", "Xã Lâm Thao", "1000"],
        ["08494-001", "Khu Thùy Nhật", "400"],
        ["08494-002", "Khu Phú Thịnh", "300"],
    ]
    rows[2][2], rows[3][2] = "1.250", ""  # Vietnamese thousands; an emptied cell
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    response = _upload(client, places, buffer.getvalue())
    assert response.status_code == 302
    text = page_text(client.get(response.headers["Location"]))
    assert "Đã lưu chỉ tiêu: 2 thay đổi, 1 không đổi." in text
    assert _target(places.thuy_nhat) == (1250, 1250)
    assert _target(places.phu_thinh) == (None, 0)
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "targets.import"))
    assert entry.actor_id == official.id and entry.facts == {"updated": 2, "unchanged": 1}


def test_commune_target_is_the_sum_when_not_set(client, login, official, places):
    login(official)
    text = "code;target_population\n08494;\n08494-001;700\n08494-002;800\n"  # Excel's ";"
    assert _upload(client, places, text).status_code == 302
    assert _target(places.lam_thao) == (None, 1500)
    assert _target(places.phu_tho)[1] == 1500  # the province adds up its communes


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("code,name\n08494-001,x\n", "Thiếu cột: target_population"),
        ("code,target_population\n08494-001,nhiều\n", "Dòng 2:"),
        ("code,target_population\n08494-001,5\n09529,7\n", "Dòng 3: khu vực 09529 không thuộc"),
        ("code,target_population\n08494-009,5\n", "Dòng 2: không có khu vực nào mang mã 08494-009"),
        ("code,target_population\n08494-001,5\n08494-001,6\n", "xuất hiện hai lần"),
    ],
)
def test_a_bad_file_is_explained_and_changes_nothing(
    client, login, official, places, text, message
):
    login(official)
    response = _upload(client, places, text)
    assert response.status_code == 422
    assert message in page_text(response)
    assert _target(places.thuy_nhat) == (400, 400)


def test_no_file_is_explained(client, login, official, places):
    login(official)
    response = client.post(
        f"/staff/areas/{places.lam_thao.id}/targets", data={}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Hãy chọn một tệp CSV" in page_text(response)


def test_an_old_excel_code_page_still_reads(client, login, official, places):
    login(official)
    text = "code,name,target_population\n08494-001,Khu Đông Ơn,450\n"  # bytes D0, D5
    assert _upload(client, places, text, encoding="cp1258").status_code == 302
    assert _target(places.thuy_nhat) == (450, 450)


def test_another_communes_official_cannot_import(client, login, make_user, places):
    login(make_user(role="official", area=places.lam_thao_bn))
    assert _upload(client, places, "code,target_population\n08494,1\n").status_code == 403
    assert client.get(f"/staff/areas/{places.lam_thao.id}/targets.csv").status_code == 403
    assert _target(places.lam_thao) == (1000, 1000)


def test_trainers_cannot_import(client, login, make_user, places):
    login(make_user(role="trainer", area=places.lam_thao))
    assert _upload(client, places, "code,target_population\n08494,1\n").status_code == 403

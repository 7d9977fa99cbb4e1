"""What an official sees and downloads; who may see what; the audit log of exports."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from learnapp.core.audit import AuditEntry
from learnapp.extensions import db as _db
from tests.conftest import page_text


@pytest.fixture
def official(make_user, places):
    return make_user(role="official", area=places.lam_thao, name="Trần Văn Phúc")


@pytest.fixture
def province_official(make_user, places):
    return make_user(role="official", area=places.phu_tho, name="Hoàng Thị Lan")


def _audit(action):
    return list(_db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_dashboard_opens_at_the_officials_own_area(client, login, official, commune):
    login(official)
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard/08494")
    text = page_text(client.get("/dashboard/08494"))
    assert "Xã Lâm Thao" in text
    assert "Tỷ lệ phổ cập 0,2% 2 người đã có huy hiệu" in text
    assert "Đã đăng ký 4 0,4% chỉ tiêu (1.000)" in text
    assert "Số buổi đã tổ chức 2 3 lượt điểm danh" in text
    assert "Bài học đã hoàn thành 9" in text and "Huy hiệu 2" in text
    assert "Người hướng dẫn tham gia 1" in text


def test_children_listed_least_covered_first(client, login, official, places, make_user, commune):
    empty = _db.session.get(type(places.thuy_nhat), places.thuy_nhat.id)
    assert empty is not None
    login(official)
    html = client.get("/dashboard/08494").get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html)
    # Thùy Nhật: 1 badge holder of 400 (0.25%); Phú Thịnh: 1 of 300 (0.33%).
    assert rows == ["Khu Thùy Nhật", "Khu Phú Thịnh"]
    html = client.get("/dashboard/08494?sort=name").get_data(as_text=True)
    assert re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', html) == [
        "Khu Phú Thịnh",
        "Khu Thùy Nhật",
    ]


def test_drill_down_with_htmx_returns_the_fragment(client, login, official, commune):
    login(official)
    full = client.get("/dashboard/08494-001")
    fragment = client.get("/dashboard/08494-001", headers={"HX-Request": "true"})
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "Khu Thùy Nhật" in body
    assert "HX-Request" in fragment.headers["Vary"]
    # The breadcrumbs lead back up, but only as far as the official's own area.
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', body, re.S).group(0)
    assert "Xã Lâm Thao" in crumbs and "Tỉnh Phú Thọ" not in crumbs


def test_filters_change_the_figures(client, login, official, commune):
    login(official)
    text = page_text(client.get("/dashboard/08494?course=dien-thoai"))
    assert "Bài học đã hoàn thành 0" in text and "Số buổi đã tổ chức 1" in text
    text = page_text(client.get("/dashboard/08494?from=2025-01-01&to=2025-01-31"))
    assert "Đã đăng ký 0" in text and "01/01/2025 – 31/01/2025" in text


@pytest.mark.parametrize(
    "query", ["?course=khong-co", "?from=hom-qua", "?to=2099-99-99", "?from=2030-01-01", "?sort=x"]
)
def test_bad_filters_fall_back_instead_of_failing(client, login, official, commune, query):
    login(official)
    response = client.get("/dashboard/08494" + query)
    assert response.status_code == 200
    assert "Xã Lâm Thao" in page_text(response)


def test_charts_are_svg_drawn_on_the_server(client, login, official, commune):
    login(official)
    html = client.get("/dashboard/08494").get_data(as_text=True)
    assert html.count("<svg") >= 2
    assert "Huy hiệu theo khóa học" in html
    assert "<script" not in re.sub(r'<script src="[^"]*"[^>]*></script>', "", html)


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/24",
        "/dashboard/09529",
        "/dashboard/25",
        "/dashboard/VN",
        "/dashboard/24/export.csv",
        "/dashboard/24/export.xlsx",
        "/dashboard/24/report",
    ],
)
def test_officials_see_only_their_own_subtree(client, login, official, commune, path):
    login(official)
    assert client.get(path).status_code == 403


def test_unknown_area_is_404(client, login, official):
    login(official)
    assert client.get("/dashboard/99999").status_code == 404


@pytest.mark.parametrize("role", ["resident", "trainer"])
def test_residents_and_trainers_have_no_dashboard(client, login, make_user, places, role):
    login(make_user(role=role, area=places.thuy_nhat if role == "resident" else places.lam_thao))
    assert client.get("/dashboard/08494").status_code == 403


def test_visitors_are_sent_to_sign_in(client, places):
    response = client.get("/dashboard/08494")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_province_official_sees_communes_of_the_province(client, login, province_official, commune):
    login(province_official)
    text = page_text(client.get("/dashboard/25"))
    assert "Tỉnh Phú Thọ" in text and "Xã Lâm Thao" in text and "Đã đăng ký 4" in text
    assert "Hoạt động của các tổ" not in text  # teams are a commune's matter
    assert client.get("/dashboard/08494-002").status_code == 200
    assert client.get("/dashboard/09529").status_code == 403


def test_csv_export_keeps_vietnamese_and_is_audited(client, login, official, commune):
    login(official)
    response = client.get("/dashboard/08494/export.csv?course=thanh-toan")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "do-phu-08494-thanh-toan-" in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã", "Khu vực", "Chỉ tiêu dân số"]
    table = {r[1]: r for r in rows[1:]}
    assert set(table) == {"Xã Lâm Thao", "Khu Thùy Nhật", "Khu Phú Thịnh"}
    header = rows[0]
    lam_thao = dict(zip(header, table["Xã Lâm Thao"], strict=True))
    assert lam_thao["Chỉ tiêu dân số"] == "1000" and lam_thao["Người dân đã đăng ký"] == "4"
    assert lam_thao["Bài học đã hoàn thành"] == "9" and lam_thao["Huy hiệu"] == "1"
    (entry,) = _audit("export.csv")
    assert entry.actor_id == official.id and entry.target == "08494"
    assert entry.facts["course"] == "thanh-toan" and entry.facts["rows"] == 3


def test_every_table_exports_as_csv(client, login, official, commune):
    login(official)
    tables = {}
    for table in ("weeks", "courses", "teams", "trainers"):
        response = client.get(f"/dashboard/08494/export.csv?table={table}")
        assert f"do-phu-08494-{table}-" in response.headers["Content-Disposition"]
        tables[table] = list(csv.reader(io.StringIO(response.get_data(as_text=True)[1:])))
    assert tables["weeks"][0] == ["Tuần từ", "Bài học đã hoàn thành", "Lượt điểm danh", "Huy hiệu"]
    assert len(tables["weeks"]) == 13 and tables["weeks"][-1][1:] == ["9", "3", "2"]
    assert ["Thanh toán không dùng tiền mặt", "1"] in tables["courses"]
    assert tables["teams"] == [tables["teams"][0]]  # the sessions had no team
    assert tables["trainers"][1] == ["Vũ Minh Trang", "Xã Lâm Thao", "2", "3"]
    # An unknown table is the areas table, not an error.
    response = client.get("/dashboard/08494/export.csv?table=nope")
    assert response.get_data(as_text=True).startswith("\ufeffMã,Khu vực")


def test_page_shows_trainers_activity(client, login, official, commune):
    login(official)
    text = page_text(client.get("/dashboard/08494"))
    assert "Người hướng dẫn Tên Số buổi đã tổ chức Số người điểm danh Vũ Minh Trang 2 3" in text


def test_xlsx_export_opens_in_a_spreadsheet(client, login, official, commune):
    login(official)
    response = client.get("/dashboard/08494/export.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == [
        "Khu vực",
        "Xu hướng theo tuần",
        "Huy hiệu theo khóa học",
        "Các tổ",
        "Người hướng dẫn",
    ]
    sheet = book["Khu vực"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0].startswith("Xã Lâm Thao")
    assert values[1][1] == "Khu vực"
    names = [row[1] for row in values[2:]]
    assert names == ["Xã Lâm Thao", "Khu Phú Thịnh", "Khu Thùy Nhật"]  # by name
    assert values[2][3] == 4 and values[2][2] == 1000  # numbers stay numbers
    assert len(_audit("export.xlsx")) == 1


@pytest.mark.parametrize("kind", ["week", "month"])
def test_printable_report(client, login, official, commune, kind):
    login(official)
    response = client.get(f"/dashboard/08494/report?period={kind}")
    assert response.status_code == 200
    text = page_text(response)
    assert "Xã Lâm Thao" in text
    assert ("Báo cáo tuần" if kind == "week" else "Báo cáo tháng") in text
    assert "Hoạt động của các tổ" in text
    html = response.get_data(as_text=True)
    assert "<svg" in html and "data-print" in html
    (entry,) = _audit("report.view")
    assert entry.facts["period"] == kind


def test_exports_of_another_area_are_refused_and_not_audited(client, login, official, commune):
    login(official)
    assert client.get("/dashboard/24/export.csv").status_code == 403
    assert _audit("export.csv") == []

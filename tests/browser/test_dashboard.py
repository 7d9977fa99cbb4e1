"""An official on a phone: drill down with htmx, back up by breadcrumbs and the Back
button, read the charts, and print the report to PDF."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_attendance import sign_in_staff
from tests.dashboard.conftest import commune  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


def _rows(page):
    return page.locator("table.sortable tbody th[scope=row]").all_inner_texts()


def test_drill_down_and_back_up(page, make_user, places, commune):  # noqa: F811
    official = make_user(role="official", area=places.phu_tho, name="Hoàng Thị Lan")
    sign_in_staff(page, official)
    nav = page.get_by_role("navigation", name="Trình đơn chính")
    nav.get_by_role("link", name="Số liệu").click()
    expect(page).to_have_url(re.compile(r"/dashboard/25$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tỉnh Phú Thọ")
    page.evaluate("window.sameDocument = true")  # gone if a full page load happens

    page.get_by_role("link", name="Xã Lâm Thao").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xã Lâm Thao")
    expect(page).to_have_url(re.compile(r"/dashboard/08494$"))
    assert _rows(page) == ["Khu Thùy Nhật", "Khu Phú Thịnh"]  # least covered first
    assert page.evaluate("window.sameDocument") is True

    page.get_by_role("link", name="Khu Phú Thịnh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Khu Phú Thịnh")
    crumbs = page.get_by_role("navigation", name="Đường dẫn")
    crumbs.get_by_role("link", name="Tỉnh Phú Thọ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tỉnh Phú Thọ")
    assert page.evaluate("window.sameDocument") is True

    page.go_back()  # the Back button returns to the commune, a whole page again
    expect(page.get_by_role("heading", level=1)).to_have_text("Khu Phú Thịnh")
    expect(page.get_by_role("navigation", name="Trình đơn chính")).to_be_visible()

    # Nothing spills sideways on a 360-pixel screen; the charts are drawn.
    page.goto("/dashboard/08494")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    charts = page.locator("svg[role=img]")
    expect(charts).to_have_count(2)
    for box in (c.bounding_box() for c in charts.all()):
        assert 200 < box["width"] <= 360 and box["height"] > 80


def test_filter_by_course(page, make_user, places, commune):  # noqa: F811
    official = make_user(role="official", area=places.lam_thao, name="Trần Văn Phúc")
    sign_in_staff(page, official)
    page.goto("/dashboard/08494")
    lessons = page.locator(".kpis div", has_text="Bài học đã hoàn thành").locator("dd.big")
    expect(lessons).to_have_text("9")
    page.get_by_label("Khóa học", exact=True).select_option(
        label="Làm quen với điện thoại thông minh"
    )
    page.get_by_role("button", name="Xem").click()
    expect(lessons).to_have_text("0")
    expect(page).to_have_url(re.compile(r"course=dien-thoai"))


def test_report_prints_cleanly(page, make_user, places, commune):  # noqa: F811
    official = make_user(role="official", area=places.lam_thao, name="Trần Văn Phúc")
    sign_in_staff(page, official)
    page.goto("/dashboard/08494/report?period=month")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Báo cáo tháng")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="In hoặc lưu thành PDF")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Trình đơn chính")).to_be_hidden()
    expect(page.locator("svg[role=img]").first).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 1 <= pages <= 3

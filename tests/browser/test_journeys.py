"""First journeys on a phone: a resident signs in; a visitor registers."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DEFAULT_PIN

pytestmark = pytest.mark.browser


def test_resident_signs_in_and_lands_on_home(page, make_user, places):
    make_user(name="Hoàng Thị Thu", phone="0912345678")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_role("link", name="Đăng nhập").first.click()
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Mã PIN (6 chữ số)").fill(DEFAULT_PIN)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Hoàng Thị Thu!")
    expect(page.get_by_text("Khu Thùy Nhật, Xã Lâm Thao")).to_be_visible()
    # The bottom bar stays on screen with large targets.
    nav = page.get_by_role("navigation", name="Trình đơn chính")
    expect(nav).to_be_visible()
    for link in nav.get_by_role("link").all():
        box = link.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44


def test_wrong_pin_shows_a_clear_message(page, make_user, places):
    make_user(phone="0912345678")
    page.goto("/login")
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_label("Mã PIN (6 chữ số)").fill("999999")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("Mã PIN chưa đúng")


def test_visitor_registers_with_the_area_picker(page, places):
    page.goto("/register")
    page.get_by_label("Họ và tên").fill("Lê Văn Nam")
    page.get_by_label("Số điện thoại").fill("0987654321")
    page.get_by_label("Chọn mã PIN (6 chữ số)").fill("135790")
    page.get_by_label("Nhập lại mã PIN").fill("135790")
    page.get_by_label("Năm sinh (không bắt buộc)").fill("1955")
    # Choosing a province brings its communes (htmx), and the only commune its areas.
    page.get_by_label("Tỉnh hoặc thành phố").select_option(label="Tỉnh Phú Thọ")
    area = page.get_by_label("Khu dân cư (thôn, tổ dân phố)")
    expect(area).to_be_visible()
    area.select_option(label="Khu Phú Thịnh")
    page.get_by_label(re.compile("Tôi đã đọc thông báo")).check()
    page.get_by_role("button", name="Tạo tài khoản của tôi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Lê Văn Nam!")
    expect(page.get_by_text("Khu Phú Thịnh, Xã Lâm Thao")).to_be_visible()


def test_english_is_one_tap_away_and_remembered(page, places):
    page.goto("/")
    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

"""At the door, on a phone: the trainer scans a resident's card with the camera (a fake
camera showing the card), shows the rotating QR, and checks people in with no connection."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from learnapp.attendance import services
from learnapp.attendance.models import CheckIn
from learnapp.core.time import utcnow
from learnapp.extensions import db as _db
from tests.browser.camera import qr_video
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_for_service_worker
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def door(places, make_user):
    trainer = make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang")
    start = utcnow() - timedelta(minutes=10)
    found = services.save_session(
        None,
        creator=trainer,
        area=places.thuy_nhat,
        team=None,
        title="Trả tiền bằng VietQR",
        place="Nhà văn hóa khu Thùy Nhật",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        course_slugs=["thanh-toan"],
        known_courses={"thanh-toan"},
    )
    _db.session.commit()
    resident = make_user(name="Hoàng Thị Thu", phone=None)
    return trainer, found, resident


def _count() -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(CheckIn))


def sign_in_staff(page, user):
    page.goto("/login?as=staff")
    page.get_by_label("Số điện thoại").fill(user.phone)
    page.get_by_label("Mật khẩu").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


@pytest.fixture
def camera_browser(playwright_instance, live_server, door, tmp_path):
    _trainer, _found, resident = door
    video = qr_video(f"{live_server.url}/u/{resident.card_token}", tmp_path / "card.y4m")
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser
    browser.close()


def test_trainer_scans_a_card_and_sees_it_on_the_roster(camera_browser, live_server, door):
    trainer, found, _resident = door
    context = camera_browser.new_context(
        viewport=PHONE, locale="vi-VN", base_url=live_server.url, permissions=["camera"]
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_in_staff(page, trainer)
    page.goto(f"/sessions/{found.id}")
    page.get_by_role("link", name=re.compile("Quét thẻ người dân")).click()
    status = page.locator("#scan-status")
    expect(status).to_have_text("Đã điểm danh: Hoàng Thị Thu.", timeout=30_000)
    expect(page.locator("#scan-results li").first).to_have_text("Đã điểm danh: Hoàng Thị Thu.")
    # The camera keeps showing the same card: nothing more is recorded.
    page.wait_for_timeout(5_000)
    assert _count() == 1
    page.goto(f"/sessions/{found.id}")
    roster = page.locator("#roster")
    expect(roster).to_contain_text("Hoàng Thị Thu")
    expect(roster).to_contain_text("quét thẻ")
    expect(roster).to_contain_text("Đã điểm danh 1 người")
    context.close()


def test_offline_scans_wait_then_count_once(camera_browser, live_server, door):
    trainer, found, _resident = door
    context = camera_browser.new_context(
        viewport=PHONE, locale="vi-VN", base_url=live_server.url, permissions=["camera"]
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    sign_in_staff(page, trainer)
    page.goto(f"/sessions/{found.id}")
    wait_for_service_worker(page)
    # The connection is bad: nothing reaches the server.
    page.route("**/api/v1/sync", lambda route: route.abort())
    page.goto(f"/sessions/{found.id}/scan")
    expect(page.locator("#scan-status")).to_contain_text("sẽ gửi đi khi có mạng", timeout=30_000)
    expect(page.locator("[data-pending-count]")).to_have_text("1")
    # Then none at all: the scanner, visited once, still opens and scans.
    context.set_offline(True)
    page.unroute("**/api/v1/sync")
    page.reload()
    expect(page.locator("[data-pending-count]")).to_have_text("2", timeout=30_000)
    assert _count() == 0
    context.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_hidden(timeout=15_000)
    assert _count() == 1  # the two scans of one card count once
    context.close()


def test_the_show_qr_page_keeps_rotating_without_a_connection(browser, live_server, door):
    trainer, found, _resident = door
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    page.clock.install()
    sign_in_staff(page, trainer)
    page.goto(f"/sessions/{found.id}/qr")
    box = page.locator("#qr-box")
    expect(box.locator("svg")).to_be_visible()
    expect(page.get_by_text(found.code)).to_be_visible()
    first = box.inner_html()
    context.set_offline(True)
    page.clock.fast_forward(25_000)
    page.wait_for_function("old => document.querySelector('#qr-box').innerHTML !== old", arg=first)
    assert box.inner_html() != first
    expect(page.locator("#qr-countdown")).to_contain_text("Mã mới sau")
    context.close()


def test_check_in_by_name_offline_then_sent(browser, live_server, door):
    trainer, found, _resident = door
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    sign_in_staff(page, trainer)
    page.goto(f"/sessions/{found.id}/desk")
    wait_for_service_worker(page)
    context.set_offline(True)
    page.get_by_role("searchbox").fill("hoang thi")
    row = page.locator("#desk-results li", has_text="Hoàng Thị Thu")
    row.get_by_role("button", name="Điểm danh").click()
    expect(row.get_by_role("button")).to_contain_text("Có mặt")
    expect(page.locator("[data-pending-count]")).to_have_text("1")
    page.get_by_label("Họ và tên").fill("Bùi Văn Mới")
    page.get_by_label("Năm sinh (không bắt buộc)").fill("1948")
    page.get_by_role("button", name="Đăng ký và điểm danh").click()
    expect(page.locator("[data-pending-count]")).to_have_text("2")
    assert _count() == 0
    context.set_offline(False)
    expect(page.locator("[data-pending]")).to_be_hidden(timeout=15_000)
    assert _count() == 2
    expect(page.locator("#desk-register-status")).to_contain_text("Bùi Văn Mới")
    context.close()

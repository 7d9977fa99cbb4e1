"""Installable and offline: the manifest, the service worker, lessons with no connection,
progress made offline sent once, and the pending counter."""

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from learnapp.extensions import db as _db
from learnapp.lessons.models import LessonProgress, ProgressEvent
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, wait_for_service_worker
from tests.conftest import DEFAULT_PIN

pytestmark = pytest.mark.browser
LESSON = "/lessons/thanh-toan/quet-vietqr"
RIGHT = [
    "Xem lại số tiền và tên người nhận",
    "Sai",
    "Sai",
    "Yêu cầu kiểm tra khuôn mặt hoặc vân tay",
]


def sign_in(page, user):
    page.goto("/login")
    page.get_by_label("Số điện thoại").fill(user.phone)
    page.get_by_label("Mã PIN (6 chữ số)").fill(DEFAULT_PIN)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def wait_for_offline_copy(page):
    """The service worker runs (its app shell stored) and the lesson is in its cache."""
    page.wait_for_selector("body[data-kept-offline]", state="attached", timeout=15_000)
    wait_for_service_worker(page)


def take_the_lesson(page):
    # The reader's script has taken over (on a slow machine a page from the cache can be
    # shown before it runs; a tap then would be the no-script form, a new page load).
    page.wait_for_selector("#reader.js", state="attached")
    page.get_by_role("button", name="Bắt đầu →").click()
    for step in range(1, 7):
        label = "Tiếp →" if step < 6 else "Sang phần câu hỏi →"
        page.locator(f'[data-panel="{step}"]').get_by_role("button", name=label).click()
    for index, answer in enumerate(RIGHT):
        question = page.locator(f'[data-panel="q{index}"]')
        question.get_by_role("button", name=answer, exact=True).click()
        question.locator(".after a").click()
    expect(page.locator('[data-panel="result"]').get_by_text("Đúng 4/4 câu")).to_be_visible()


def open_profile(playwright_instance, live_server, profile):
    """A browser with a profile on disk, like a phone's (not an incognito window)."""
    context = playwright_instance.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        viewport=PHONE,
        locale="vi-VN",
        base_url=live_server.url,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    return context, context.pages[0] if context.pages else context.new_page()


def test_installable_with_no_errors(playwright_instance, live_server, places, tmp_path):
    context, page = open_profile(playwright_instance, live_server, tmp_path / "profile")
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    data = json.loads(manifest["data"])
    assert data["short_name"] == "Học vụ số" and data["display"] == "standalone"
    context.close()


def test_a_visited_lesson_opens_with_no_connection(page, live_server, places):
    page.goto(LESSON)
    wait_for_offline_copy(page)
    page.context.set_offline(True)
    before = len(live_server.requests)
    page.goto(LESSON + "?step=3")
    expect(page.get_by_text("Thẻ 3/6")).to_be_visible()
    expect(page.locator('[data-panel="3"] img')).to_have_js_property("complete", True)
    assert page.locator('[data-panel="3"] img').evaluate("img => img.naturalWidth") > 0
    # Nothing reached the server: neither the page nor its service worker asked for anything.
    assert live_server.requests[before:] == []
    page.goto("/staff/")  # never visited: the offline page, in the language read here
    expect(page.get_by_role("heading", name="Không có kết nối mạng")).to_be_visible()
    expect(page.get_by_role("heading", name="No connection")).to_have_count(0)
    assert live_server.requests[before:] == []


def test_the_offline_page_speaks_the_language_read_here(page, live_server, places):
    page.goto(LESSON + "?lang=en")
    wait_for_offline_copy(page)
    page.wait_for_function(
        "caches.open('hvs-prefs').then(c => c.match('/__hvs/lang'))"
        ".then(r => r ? r.text() : '').then(t => t === 'en')"
    )
    page.context.set_offline(True)
    page.goto("/staff/")
    expect(page.get_by_role("heading", name="No connection")).to_be_visible()
    expect(page.get_by_role("heading", name="Không có kết nối mạng")).to_have_count(0)
    expect(page.get_by_role("link", name="Open my lessons")).to_be_visible()


def _count(model) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))


def test_a_lesson_finished_offline_is_sent_once_when_back_online(page, live_server, make_user):
    user = make_user()
    sign_in(page, user)
    page.goto(LESSON)
    wait_for_offline_copy(page)
    page.context.set_offline(True)
    page.goto(LESSON)
    take_the_lesson(page)
    pending = page.locator("[data-pending]")
    expect(pending).to_be_visible()
    expect(pending.locator("[data-pending-count]")).to_have_text("12")  # open, 6 cards, 4, quiz
    assert _count(ProgressEvent) == 0
    page.context.set_offline(False)
    expect(pending).to_be_hidden(timeout=15_000)
    assert _count(ProgressEvent) == 13  # the 12 and the completion
    progress = _db.session.scalar(select(LessonProgress))
    assert progress.is_completed and progress.best_score == 4
    page.reload()  # the phone has nothing left to send; nothing is recorded twice
    page.wait_for_load_state("networkidle")
    assert _count(ProgressEvent) == 13


def test_pending_work_survives_closing_the_browser(
    playwright_instance, live_server, make_user, tmp_path
):
    user = make_user()
    profile = tmp_path / "chromium-profile"
    context, page = open_profile(playwright_instance, live_server, profile)
    sign_in(page, user)
    page.goto(LESSON)
    wait_for_offline_copy(page)
    context.set_offline(True)
    page.goto(LESSON)
    take_the_lesson(page)
    expect(page.locator("[data-pending-count]")).to_have_text("12")
    context.close()  # the phone is switched off before it finds a connection
    # Chromium's offline switch does not always reach the service worker's own
    # Background Sync request, which may get some events (or batches of them: 11 were
    # seen once) through before the close, as a phone finding a signal for a moment
    # would. The promise is the end state below: all 13, none twice.
    assert _count(ProgressEvent) <= 13

    context, page = open_profile(playwright_instance, live_server, profile)
    page.goto("/lessons/")  # back online: the next page sends what waited
    expect(page.locator("[data-pending]")).to_be_hidden(timeout=15_000)
    assert _count(ProgressEvent) == 13
    context.close()


def test_a_course_downloads_for_offline_and_says_how_much_space(page, live_server, places):
    page.goto("/lessons/an-toan-mang/")
    box = page.locator(".offline-download")
    expect(box).to_be_visible()
    box.get_by_role("button", name="⬇ Tải về để học khi không có mạng").click()
    expect(box.locator("[data-offline-status]")).to_contain_text(
        "Đã lưu trên điện thoại này", timeout=20_000
    )
    status = box.locator("[data-offline-status]").inner_text()
    kilobytes = int(status.split("(")[1].split(" KB")[0].replace(".", ""))
    assert 20 < kilobytes < 2000
    page.context.set_offline(True)
    page.goto("/lessons/an-toan-mang/giup-nguoi-than?step=2")  # never opened before
    expect(page.get_by_text("Thẻ 2/")).to_be_visible()
    page.goto("/lessons/an-toan-mang/")
    expect(page.get_by_role("heading", name="An toàn trên mạng")).to_be_visible()


def test_first_visit_page_weight(browser, live_server, places):
    """A lesson's first visit on a new phone: the page with everything it loads ≤ 100 KiB,
    of which JavaScript ≤ 30 KiB (the browser's network events); and everything the server
    sent during the visit, the service worker's install included, also ≤ 100 KiB."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN", base_url=live_server.url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    types: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on(
        "Network.responseReceived",
        lambda e: types.__setitem__(e["requestId"], e["response"]["mimeType"]),
    )
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(LESSON, wait_until="networkidle")
    wait_for_offline_copy(page)
    page_total = sum(sizes.values())
    page_script = sum(size for rid, size in sizes.items() if "javascript" in types.get(rid, ""))
    header_allowance = 600  # per response: what the server's body count leaves out
    wire = sum(size + header_allowance for _m, _p, size, _t in live_server.requests)
    context.close()
    print(
        f"\nfirst visit of {LESSON}: page {page_total / 1024:.1f} KiB "
        f"(JavaScript {page_script / 1024:.1f} KiB); with the service worker's install "
        f"{wire / 1024:.1f} KiB in {len(live_server.requests)} responses"
    )
    assert page_total <= 100 * 1024, f"{page_total} bytes"
    assert page_script <= 30 * 1024, f"{page_script} bytes of JavaScript"
    assert wire <= 100 * 1024, f"{wire} bytes with the service worker's install"

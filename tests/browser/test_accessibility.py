"""axe-core finds no serious or critical problem on the main pages (WCAG 2.2 A/AA rules)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.conftest import DEFAULT_PASSWORD, DEFAULT_PIN

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def serious_problems(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def axe_page(browser, live_server):
    # The app's CSP forbids injected scripts; only this test's browser ignores it, to run axe.
    context = browser.new_context(
        viewport=PHONE,
        locale="vi-VN",
        base_url=live_server.url,
        bypass_csp=True,
        service_workers="block",
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


PUBLIC = [
    "/",
    "/login",
    "/login?as=staff",
    "/register",
    "/privacy",
    "/lessons/",
    "/lessons/thanh-toan/",
    "/lessons/thanh-toan/quet-vietqr",
    "/lessons/thanh-toan/quet-vietqr?step=2",
    "/lessons/thanh-toan/quet-vietqr?step=quiz&q=0",
    "/lessons/thanh-toan/quet-vietqr/handout",
    "/lessons/search?q=vneid",
    "/offline",
    "/no-such-page",
    "/?lang=en",
    "/lessons/dien-thoai/cham-vuot?lang=en&step=3",
]


def test_public_pages(axe_page, places):
    problems = {}
    for path in PUBLIC:
        axe_page.goto(path)
        if found := serious_problems(axe_page):
            problems[path] = found
    assert problems == {}


def test_signed_in_pages(axe_page, make_user, places):
    resident = make_user()
    official = make_user(role="official", area=places.lam_thao)
    problems = {}
    for user, secret, paths in [
        (resident, DEFAULT_PIN, ["/", "/profile", "/profile/secret", "/lessons/"]),
        (
            official,
            DEFAULT_PASSWORD,
            [
                "/",
                "/staff/",
                "/staff/residents/",
                "/staff/residents/new",
                f"/staff/areas/{places.lam_thao.id}",
                "/staff/teams/",
                "/staff/accounts/",
                "/staff/accounts/new",
                "/dashboard/08494",
                "/dashboard/08494/report?period=week",
            ],
        ),
    ]:
        axe_page.goto("/login?as=staff" if user.is_staff else "/login")
        axe_page.get_by_label("Số điện thoại").fill(user.phone)
        axe_page.locator("#f-secret").fill(secret)
        axe_page.locator("form button[type=submit]").click()
        expect(axe_page.get_by_role("heading", level=1)).to_contain_text("Xin chào")
        for path in paths:
            axe_page.goto(path)
            if found := serious_problems(axe_page):
                problems[path] = found
        axe_page.goto("/profile")
        axe_page.get_by_role("button", name="Đăng xuất").click()
        expect(axe_page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    assert problems == {}


def test_form_errors_are_announced(axe_page, places):
    axe_page.goto("/register")
    axe_page.get_by_role("button", name="Tạo tài khoản của tôi").click()
    expect(axe_page.get_by_role("alert")).to_be_visible()
    assert serious_problems(axe_page) == []
    invalid = axe_page.locator("[aria-invalid=true]").first
    described = invalid.get_attribute("aria-describedby")
    assert described and "e-" in described

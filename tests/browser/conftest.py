"""Browser tests: Playwright for Python driving Debian's Chromium (never a downloaded
browser) against the app served on a loopback port, at a 360×740 phone viewport."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class LiveServer:
    """The app on a loopback port, in a thread. It counts what it serves (requests and
    response bytes as sent, i.e. compressed), so tests can say what went over the wire."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests: list[tuple[str, str, int, str]] = []  # method, path, bytes, type
        self.server = make_server("127.0.0.1", 0, self._counting, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _counting(self, environ, start_response):
        seen: dict = {}

        def start(status, headers, exc_info=None):
            seen["type"] = dict(headers).get("Content-Type", "")
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        size = 0
        try:
            for chunk in body:
                size += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()
            path = environ.get("PATH_INFO", "") + (
                "?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else ""
            )
            self.requests.append((environ["REQUEST_METHOD"], path, size, seen.get("type", "")))

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(app) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def phone_context(browser, live_server):
    """A fresh phone-sized browser profile in Vietnamese."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(phone_context):
    page = phone_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A 4xx answer to a form is a page the user reads, not a fault; a failing
    # script, style or image is.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"


def wait_for_service_worker(page, timeout_ms: int = 5_000) -> None:
    """The page is controlled by the app's service worker (installed and activated).

    A page whose load raced the worker's activation stays uncontrolled until the next
    load (so does a real phone's, harmlessly): then reload it once.
    """
    script = """async (timeout) => {
        const deadline = Date.now() + timeout;
        await navigator.serviceWorker.ready;
        while (!navigator.serviceWorker.controller) {
            if (Date.now() > deadline) { return false; }
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return true;
    }"""
    if not page.evaluate(script, timeout_ms):
        page.reload()
        assert page.evaluate(script, timeout_ms), "the service worker does not control the page"

"""Two app servers (separate granian processes, as on two machines) sharing nothing but
the database and Redis: a resident signs in on one and carries on on the other, and failed
sign-ins are counted across both."""

import http.client
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import DEFAULT_PIN

ROOT = Path(__file__).resolve().parents[1]
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_answers() -> bool:
    host, port = REDIS.split("//")[1].split("/")[0].split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


if not _redis_answers() and os.environ.get("CI") != "true":
    pytest.skip(f"Redis does not answer at {REDIS}", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(db_url: str, instance: Path, shared: dict):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "INSTANCE_PATH": str(instance),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **shared,
    }
    granian = str(Path(sys.executable).parent / "granian")  # the production server
    options = ["--interface", "wsgi", "--workers", "1", "--blocking-threads", "2"]
    options += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(
        [granian, *options, "wsgi:app"],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                if time.time() > deadline or process.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(15)


class Phone:
    """One phone's cookies, used against whichever server answers."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        text = response.read().decode("utf-8", "replace")
        conn.close()
        return response.status, text

    def token(self, port: int, path: str) -> str:
        status, page = self.request(port, "GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(self, port: int, phone: str, pin: str) -> int:
        token = self.token(port, "/login")
        return self.request(
            port, "POST", "/login", {"csrf_token": token, "phone": phone, "secret": pin}
        )[0]


@pytest.fixture
def two_servers(app, db_url, tmp_path):
    shared = {
        "SECRET_KEY": secrets.token_hex(32),  # the same on every machine
        "REDIS_URL": REDIS,
        "RATELIMIT_KEY_PREFIX": f"test-{secrets.token_hex(4)}",  # this run's counts only
    }
    with ExitStack() as stack:
        ports = [
            stack.enter_context(server(db_url, tmp_path / name, shared)) for name in ("a", "b")
        ]
        yield ports


def _unique_phone() -> str:
    return "09" + "".join(random.choice("0123456789") for _ in range(8))


def test_signed_in_on_one_server_carries_on_on_the_other(two_servers, make_user):
    a, b = two_servers
    user = make_user(name="Hoàng Thị Thích", phone=_unique_phone())
    phone = Phone()
    assert phone.sign_in(a, user.phone, DEFAULT_PIN) == 302
    status, page = phone.request(b, "GET", "/")
    assert status == 200 and "Xin chào, Hoàng Thị Thích" in page
    # A form from one server is accepted by the other (the same signed session and token).
    token = phone.token(a, "/lessons/thanh-toan/quet-vietqr")
    status, _ = phone.request(b, "POST", "/text-size", {"csrf_token": token, "size": "large"})
    assert status in (302, 303)
    status, page = phone.request(a, "GET", "/lessons/")
    assert 'class="ts-large"' in page


def test_failed_sign_ins_are_counted_across_both_servers(two_servers, make_user):
    a, b = two_servers
    user = make_user(phone=_unique_phone())
    phone = Phone()
    for port in (a, a, a, b, b):  # five wrong PINs, spread over the two servers
        assert phone.sign_in(port, user.phone, "135790") == 422
    # Either server now makes the account wait, even for the right PIN.
    for port in (a, b):
        token = phone.token(port, "/login")
        form = {"csrf_token": token, "phone": user.phone, "secret": DEFAULT_PIN}
        status, page = phone.request(port, "POST", "/login", form)
        assert status == 429
        assert "thử lại" in page

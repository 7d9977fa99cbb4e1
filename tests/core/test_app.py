"""The app as a whole: health, language, headers, errors."""

import re

from sqlalchemy.exc import OperationalError

from tests.conftest import page_text


def test_healthz_reports_app_and_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_says_503_when_the_database_is_gone(client, monkeypatch, db):
    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_home_is_vietnamese_by_default(client):
    response = client.get("/")
    assert '<html lang="vi"' in response.get_data(as_text=True)
    assert "Đăng nhập" in page_text(response)


def test_lang_parameter_switches_and_is_remembered(client):
    response = client.get("/?lang=en")
    assert '<html lang="en"' in response.get_data(as_text=True)
    assert "Sign in" in page_text(response)
    # No parameter on the next page: the choice was remembered.
    response = client.get("/login")
    assert '<html lang="en"' in response.get_data(as_text=True)
    response = client.get("/?lang=vi")
    assert '<html lang="vi"' in response.get_data(as_text=True)


def test_accept_language_is_used_when_nothing_was_chosen(client):
    response = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en"' in response.get_data(as_text=True)
    response = client.get("/", headers={"Accept-Language": "fr-FR"})
    assert '<html lang="vi"' in response.get_data(as_text=True)


def test_unknown_lang_is_ignored(client):
    response = client.get("/?lang=xx")
    assert response.status_code == 200
    assert '<html lang="vi"' in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=(self)" in response.headers["Permissions-Policy"]


def test_pages_have_no_inline_script(client):
    html = client.get("/register").get_data(as_text=True)
    assert "<script>" not in html
    assert " onclick=" not in html


def test_not_found_is_a_friendly_page_in_vietnamese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in page_text(response)


def test_static_files_with_a_hash_are_cached_for_a_year(app, client):
    html = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/app.css\?v=[0-9a-f]{10})"', html).group(1)
    with client.get(url) as response:
        assert response.status_code == 200
        assert "immutable" in response.headers["Cache-Control"]
        assert "max-age=31536000" in response.headers["Cache-Control"]
    with client.get("/static/css/app.css?v=0000000000") as stale:
        assert "immutable" not in stale.headers["Cache-Control"]


def test_files_do_not_vary_on_language_or_cookies(client, make_user, login):
    """The service worker's precache matches on Vary: a file stored while signed out in
    Vietnamese must still be found signed in, in English (else a lesson opened offline
    came without its script)."""
    login(make_user())
    client.get("/?lang=en")
    html = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/static/[^"]+\?v=[0-9a-f]{10})"', html):
        with client.get(url, headers={"Accept-Language": "en"}) as response:
            assert response.status_code == 200
            assert set(response.vary) <= {"Accept-Encoding"}, url
    with client.get("/") as page:
        assert {"Cookie", "Accept-Language"} <= set(page.vary)


def test_secret_key_is_generated_once_into_the_instance_folder(make_app, tmp_path):
    first = make_app(SECRET_KEY=None)
    key = first.config["SECRET_KEY"]
    assert key and len(key) >= 32
    with open(f"{first.instance_path}/secret_key") as fh:
        assert fh.read().strip() == key


def test_text_size_is_remembered_on_the_device(client):
    response = client.post("/text-size", data={"size": "xlarge", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert 'class="ts-xlarge"' in html


def test_text_size_refuses_other_sites_as_next(client):
    response = client.post("/text-size", data={"size": "large", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_nul_characters_are_refused_not_crashed_on(client):
    assert client.get("/b/%00").status_code == 404
    assert client.get("/lessons/search?q=a%00b").status_code == 400
    response = client.post("/login", data={"phone": "09\x0012", "secret": "1"})
    assert response.status_code == 400
    assert "Nothing was saved" in page_text(response) or "Chưa có gì được lưu" in page_text(
        response
    )
    response = client.post(
        "/api/v1/sync", data='{"events": [{"id": "\\u0000"}]}', content_type="application/json"
    )
    assert response.status_code == 400 and response.is_json

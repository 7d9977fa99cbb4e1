"""The manifest, the service worker script and the offline page, as served."""

import re


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    data = response.json
    assert data["short_name"] == "Học vụ số"
    assert data["name"].startswith("Học vụ số")
    assert data["lang"] == "vi" and data["display"] == "standalone"
    assert data["start_url"].startswith("/") and data["scope"] == "/"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200 and image.mimetype == "image/png"


def test_service_worker_has_root_scope_and_lists_the_shell(client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    source = response.get_data(as_text=True)
    for url in re.findall(r'"url": "([^"]+)"', source):
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    assert "/static/css/app.css?v=" in source
    assert "workbox-precaching.prod.js" in source
    assert "hvs-outbox" in source


def test_service_worker_is_the_same_until_something_changes(client, make_user, login):
    first = client.get("/sw.js").get_data()
    login(make_user())
    assert client.get("/sw.js").get_data() == first  # not per user, not per request


def test_offline_page_speaks_both_languages_and_holds_no_session(client):
    html = client.get("/offline").get_data(as_text=True)
    assert "Không có kết nối mạng" in html and "No connection" in html
    assert "csrf" not in html.lower()


def test_the_service_worker_keeps_the_offline_page_in_each_language(client):
    worker = client.get("/sw.js").get_data(as_text=True)
    assert '"/offline?l=vi"' in worker and '"/offline?l=en"' in worker
    english = client.get("/offline?l=en")
    text = english.get_data(as_text=True)
    assert "No connection" in text and "Không có kết nối mạng" not in text
    assert '<html lang="en">' in text
    assert "Set-Cookie" not in english.headers  # fetching it changes no one's language
    vietnamese = client.get("/offline?l=vi").get_data(as_text=True)
    assert "Không có kết nối mạng" in vietnamese and "No connection" not in vietnamese


def test_compressed_pages_and_assets(client):
    page = client.get("/lessons/thanh-toan/quet-vietqr", headers={"Accept-Encoding": "br, gzip"})
    assert page.headers["Content-Encoding"] in ("br", "gzip")
    with client.get("/static/vendor/htmx-2.0.11.min.js", headers={"Accept-Encoding": "gzip"}) as js:
        assert js.headers["Content-Encoding"] == "gzip"
        assert len(js.data) < 20_000
    with client.get("/static/css/app.css") as plain:
        assert "Content-Encoding" not in plain.headers


def test_unchanged_assets_answer_304(client):
    with client.get("/static/css/app.css") as first:
        etag = first.headers["ETag"]
    with client.get("/static/css/app.css", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304

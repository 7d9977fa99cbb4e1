"""``/manifest.webmanifest``, ``/sw.js`` (scope ``/``) and ``/offline``.

The service worker is rendered from a template so that it lists the exact, hashed URLs
of the app shell; its version is a hash of that list and of its own source, so any
change of CSS, JS or text makes browsers install the new worker (and drop old caches).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

bp = Blueprint("pwa", __name__, template_folder="templates")

THEME = "#0b5cad"
BACKGROUND = "#f4f6f9"
# The app shell: what every page needs, fetched once and kept (the service worker's
# precache). htmx is not here: lesson pages do not use it; it is cached on first use.
SHELL_ASSETS = (
    "css/app.css",
    "js/outbox.js",
    "js/queue.js",
    "js/app.js",
    "js/pwa.js",
    "js/reader.js",
    "img/icon.svg",
    "img/icons.svg",
    "img/icon-192.png",
)
WORKBOX = ("core", "routing", "strategies", "precaching", "expiration")
WORKBOX_DIR = "vendor/workbox-7.4.1"


def _asset(path: str) -> str:
    return current_app.extensions["assets"].url(path)


@bp.get("/manifest.webmanifest")
def manifest():
    data = {
        "name": _("Học vụ số: digital skills for everyone"),
        "short_name": _("Học vụ số"),
        "description": _(
            "Short lessons on using a smartphone, paying without cash, buying and "
            "selling online, online public services and staying safe."
        ),
        "lang": "vi",
        "dir": "ltr",
        "id": "/",
        "start_url": url_for("home.index", source="pwa"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": BACKGROUND,
        "theme_color": THEME,
        "categories": ["education"],
        "icons": [
            {
                "src": _asset("img/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": _asset("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": _asset("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.cache_control.no_cache = True
    return response


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    precache = [{"url": _asset(path), "revision": None} for path in SHELL_ASSETS]
    offline_urls = {}  # one offline page per language, the one last read here is shown
    for lang in current_app.config["LANGUAGES"]:
        offline_urls[lang] = url_for("pwa.offline", l=lang)
        precache.append({"url": offline_urls[lang], "revision": _digest(_offline_page([lang]))})
    context = {
        "workbox": [_asset(f"{WORKBOX_DIR}/workbox-{name}.prod.js") for name in WORKBOX],
        "outbox": _asset("js/outbox.js"),
        "precache": precache,
        "offline": offline_urls,
        "default_lang": current_app.config["BABEL_DEFAULT_LOCALE"],
        "sync_url": url_for("api.sync_events"),
    }
    template = current_app.jinja_env.loader.get_source(current_app.jinja_env, "pwa/sw.js")[0]
    version = _digest(template, json.dumps(context, sort_keys=True))
    response = current_app.response_class(
        render_template("pwa/sw.js", version=version, **context), mimetype="text/javascript"
    )
    response.headers["Service-Worker-Allowed"] = "/"
    response.cache_control.no_cache = True
    return response


def _offline_page(langs) -> str:
    messages = []
    for lang in langs:
        with force_locale(lang):
            messages.append(
                {
                    "lang": lang,
                    "title": _("No connection"),
                    "body": _(
                        "This page is not saved on your phone yet. Lessons you have opened "
                        "or downloaded still work without a connection."
                    ),
                    "lessons": _("Open my lessons"),
                    "retry": _("Try again"),
                }
            )
    return render_template("pwa/offline.html", messages=messages)


@bp.get("/offline")
def offline():
    """Shown by the service worker for a page that is not on the phone: ``?l=vi|en`` in
    that language (the service worker keeps one of each), else in every language. Not
    ``?lang=``: fetching the copies must not change the phone's remembered language."""
    lang = request.args.get("l", "")
    languages = current_app.config["LANGUAGES"]
    return _offline_page([lang] if lang in languages else languages)

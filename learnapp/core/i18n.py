"""Language choice: ``?lang=`` (remembered in a cookie), then the account, then
Accept-Language, then Vietnamese."""

from __future__ import annotations

from flask import Flask, Response, current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from learnapp.core.assets import AssetResponse

LANG_COOKIE = "lang"
TEXT_SIZE_COOKIE = "ts"
TEXT_SIZES = ("normal", "large", "xlarge")
ONE_YEAR = 365 * 24 * 3600


def _supported() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def requested_lang() -> str | None:
    """The language asked for by ``?lang=`` in this request, if valid."""
    lang = request.args.get("lang", "").strip().lower()
    return lang if lang in _supported() else None


def select_locale() -> str:
    if not has_request_context():  # CLI commands and services outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    lang = requested_lang()
    if lang:
        return lang
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in _supported():
        return cookie
    if current_user and current_user.is_authenticated and current_user.locale in _supported():
        return current_user.locale
    return (
        request.accept_languages.best_match(_supported())
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def text_size() -> str:
    """The reader's chosen text size: the account's, else the device's cookie."""
    if not has_request_context():
        return "normal"
    if current_user and current_user.is_authenticated and current_user.text_size in TEXT_SIZES:
        return current_user.text_size
    size = request.cookies.get(TEXT_SIZE_COOKIE)
    return size if size in TEXT_SIZES else "normal"


def _remember_lang(response: Response) -> Response:
    lang = requested_lang()
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=ONE_YEAR,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    if not isinstance(response, AssetResponse):
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_remember_lang)

    @app.context_processor
    def _i18n_context() -> dict:
        return {
            "current_lang": str(get_locale()),
            "text_size": text_size(),
            "languages": app.config["LANGUAGES"],
        }

"""Health check, error pages, security headers, text size and the privacy notice."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from learnapp.core import i18n
from learnapp.core.qr import qr_svg
from learnapp.core.urls import safe_next
from learnapp.extensions import db, login_manager

bp = Blueprint("core", __name__, template_folder="templates")
log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@bp.app_template_filter("number")
def number_filter(value: int | float | None) -> str:
    """A number in the reader's language: 12.345 in Vietnamese, 12,345 in English."""
    return "" if value is None else format_decimal(value)


@bp.app_template_filter("percent")
def percent_filter(value: float | None) -> str:
    """A percentage with one decimal in the reader's language (12,5% in Vietnamese); a
    dash when there is nothing to divide by."""
    return "—" if value is None else format_decimal(value, "#,##0.0") + "%"


bp.add_app_template_global(qr_svg, "qr_svg")


@bp.app_template_filter("when")
def when_filter(value) -> str:
    """A date and time (stored as UTC) in the reader's language and Vietnam's time."""
    return "" if value is None else format_datetime(value, "short")


@bp.app_template_filter("day")
def day_filter(value) -> str:
    return "" if value is None else format_date(value, "full")


@bp.app_template_filter("date")
def date_filter(value) -> str:
    """A date in figures: 28/11/2026 in Vietnamese."""
    if value is None:
        return ""
    return format_date(value, "dd/MM/yyyy" if str(get_locale()) == "vi" else "d MMM yyyy")


@bp.app_template_filter("clock")
def clock_filter(value) -> str:
    return "" if value is None else format_time(value, "short")


@bp.get("/healthz")
def healthz():
    """200 with a short status when the app and its database answer, else 503."""
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError:
        log.exception("health check: database does not answer")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/text-size")
def set_text_size():
    """Remember the reader's text size: on the account, and on the device."""
    size = request.form.get("size", "")
    if size not in i18n.TEXT_SIZES:
        size = "normal"
    if current_user.is_authenticated:
        current_user.text_size = size
        db.session.commit()
    response = redirect(safe_next(request.form.get("next")) or url_for("home.index"))
    response.set_cookie(
        i18n.TEXT_SIZE_COOKIE,
        size,
        max_age=i18n.ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.get("/privacy")
def privacy():
    return render_template(
        "core/privacy.html", version=current_app.config["PRIVACY_NOTICE_VERSION"]
    )


@bp.before_app_request
def refuse_nul_characters():
    """A NUL character is never meant (and PostgreSQL refuses it in text): a path with one
    does not exist; a form, query or JSON body with one is a bad request."""
    if "\x00" in request.path:
        abort(404)
    values = [*request.args.values(), *(request.form.values() if request.form else [])]
    if any("\x00" in value for value in values) or (
        request.is_json and b"\\u0000" in request.get_data()
    ):
        abort(400)


@bp.after_app_request
def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault(
        "Permissions-Policy",
        "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
    )
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("core/error.html", status=status, title=title, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    return _error_page(
        400,
        _("This page has expired"),
        _("Please go back, reload the page and try again. Nothing was saved."),
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.response is not None:  # a page made for this error (e.g. sign-in locked)
        return error.response
    if request.path.startswith("/api/"):
        return jsonify(error=error.name, status=error.code), error.code
    messages = {
        400: (
            _("Something is wrong with this request"),
            _("Please go back and try again. Nothing was saved."),
        ),
        403: (_("Not allowed"), _("Your account cannot open this page.")),
        404: (_("Page not found"), _("This page does not exist, or it has been moved.")),
        405: (_("Not allowed"), _("This page cannot be used this way.")),
        410: (_("No longer here"), _("This was deleted at its owner's request.")),
        413: (_("Too large"), _("What you sent is too large.")),
        429: (_("Too many tries"), _("Please wait a moment and try again.")),
    }
    title, message = messages.get(
        error.code or 500, (_("Something went wrong"), _("Please try again in a moment."))
    )
    return _error_page(error.code or 500, title, message)


@bp.app_errorhandler(OperationalError)
def database_error(error: OperationalError):
    db.session.rollback()
    log.exception("database error")
    # The page is drawn as for a visitor: reading the signed-in account (or anything it
    # links to) would ask the database again, and fail inside this handler.
    g._login_user = login_manager.anonymous_user()
    if request.path.startswith("/api/"):
        return jsonify(error="database unavailable", status=503), 503
    return _error_page(
        503,
        _("We cannot reach the data right now"),
        _("Nothing was half-saved. Please try again in a minute."),
    )


@bp.app_errorhandler(500)
def server_error(error):
    db.session.rollback()
    if request.path.startswith("/api/"):
        return jsonify(error="internal error", status=500), 500
    return _error_page(500, _("Something went wrong"), _("Please try again in a moment."))

"""``/profile/data``: download what the app holds about me, or delete my account."""

from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from werkzeug.security import check_password_hash

from learnapp.core import audit
from learnapp.core.time import utcnow
from learnapp.extensions import db
from learnapp.lessons.loader import get_catalogue
from learnapp.privacy import services

bp = Blueprint("privacy", __name__, template_folder="templates", url_prefix="/profile")


def _download(body: str, mimetype: str, extension: str):
    audit.record_after_read(
        current_user, "data.download", f"user:{current_user.id}", format=extension
    )
    response = current_app.response_class(body, mimetype=mimetype)
    stamp = utcnow().strftime("%Y%m%d")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="hocvuso-du-lieu-cua-toi-{stamp}.{extension}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _data() -> dict:
    return services.export(current_user, get_catalogue(), str(get_locale()))


@bp.get("/data")
@login_required
def index():
    return render_template("privacy/index.html", errors={})


@bp.get("/data.json")
@login_required
def data_json():
    body = json.dumps(_data(), ensure_ascii=False, indent=2)
    return _download(body, "application/json", "json")


@bp.get("/data.csv")
@login_required
def data_csv():
    return _download(services.export_csv(_data()), "text/csv", "csv")


@bp.post("/delete")
@login_required
def delete():
    """Delete my account: my PIN again, and a tick that I understand."""
    if current_user.is_staff:
        abort(403)
    errors: dict[str, str] = {}
    if not check_password_hash(current_user.secret_hash or "", request.form.get("secret", "")):
        errors["secret"] = _("The PIN is not right. Please try again.")
    if not request.form.get("understood"):
        errors["understood"] = _("Please tick the box to show that you understand.")
    if errors:
        return render_template("privacy/index.html", errors=errors), 422
    services.erase(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash(_("Your account is deleted. Thank you for learning with us."), "success")
    return redirect(url_for("home.index"))

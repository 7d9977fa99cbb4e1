"""Sign-in, sign-out, self-registration and the profile page."""

from __future__ import annotations

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash

from learnapp.areas import services as areas
from learnapp.auth import services, throttle, twofactor
from learnapp.auth.models import Role, User
from learnapp.auth.phone import display_phone
from learnapp.core import audit, i18n
from learnapp.core.database import end_read, reading
from learnapp.core.errors import UserError
from learnapp.core.forms import parse_int
from learnapp.core.urls import safe_next
from learnapp.extensions import db, login_manager

bp = Blueprint("auth", __name__, template_folder="templates")

login_manager.login_view = "auth.login"
login_manager.login_message_category = "info"


ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.TRAINER: _l("Trainer"),
    Role.OFFICIAL: _l("Official"),
    Role.ADMIN: _l("Administrator"),
}


@bp.app_template_global()
def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(Role(role), role))


@bp.app_template_filter("phone")
def phone_filter(phone: str | None) -> str:
    return display_phone(phone)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Find the account of a session; a stale session version signs it out."""
    ident, _sep, version = user_id.partition(".")
    if not ident.isdigit() or not version.isdigit():
        return None
    # One query, roles included (the roles are needed by every page that checks them).
    options = [joinedload(User.grants)]
    if db.session().in_transaction():
        user = db.session.get(User, int(ident), options=options)
    else:
        # A look-up, in a read transaction of its own: on SQLite a request that writes
        # would otherwise take the write lock here, before it has anything to write.
        with reading():
            user = db.session.get(User, int(ident), options=options)
        end_read()
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        abort(401)
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


# Requests that never depend on who is signed in: no account is loaded for them.
ANONYMOUS_ENDPOINTS = {"static", "core.healthz", "pwa.service_worker", "pwa.manifest"}


@bp.before_app_request
def expire_idle_staff():
    """Staff accounts see residents' data: their sessions end after a spell without any
    request (STAFF_IDLE_MINUTES). Residents stay signed in on their own phones."""
    if request.endpoint in ANONYMOUS_ENDPOINTS or not current_user.is_authenticated:
        return None
    if not current_user.is_staff:
        return None
    now = int(time.time())
    seen = session.get("seen", now)
    idle = current_app.config["STAFF_IDLE_MINUTES"]
    if now - seen > idle * 60:
        session.clear()
        logout_user()
        if request.path.startswith("/api/"):
            abort(401)
        flash(
            _("For safety you were signed out after %(n)d minutes without activity.", n=idle),
            "info",
        )
        return redirect(
            url_for("auth.login", next=request.full_path.rstrip("?"), **{"as": "staff"})
        )
    if now - seen >= 60 or "seen" not in session:  # write the cookie at most once a minute
        session["seen"] = now
    return None


@bp.before_app_request
def force_secret_change():
    """Staff given a one-time password must choose their own before anything else."""
    if request.endpoint in ANONYMOUS_ENDPOINTS:
        return None
    if (
        current_user.is_authenticated
        and current_user.must_change_secret
        and request.endpoint not in {"auth.change_secret", "auth.logout", "static", "core.healthz"}
    ):
        return redirect(url_for("auth.change_secret"))
    return None


def _sign_in(user: User, remember: bool) -> None:
    """Start a fresh session for ``user``: nothing is carried over but what a visitor
    kept on this device (keys starting ``visitor_``, e.g. lesson progress to merge)."""
    keep = {k: v for k, v in session.items() if k.startswith("visitor_")}
    session.clear()
    session.update(keep)
    login_user(user, remember=remember and not user.is_staff)
    session.permanent = not user.is_staff


def _login_locked(limit: RequestLimit):
    """The sign-in form again, saying how long to wait (whatever was typed)."""
    minutes = throttle.minutes_left(limit)
    if any(arg.startswith("account:") for arg in limit.request_args):
        message = _(
            "Too many wrong tries for this phone number. For your safety, wait %(n)d minutes"
            " and try again, or ask a trainer to reset your PIN.",
            n=minutes,
        )
    else:
        message = _("Too many tries from this device. Please wait %(n)d minutes.", n=minutes)
    response = make_response(
        render_template(
            "auth/login.html",
            errors={"secret": message},
            phone=request.form.get("phone", ""),
            staff_mode=request.values.get("as") == "staff",
            next=safe_next(request.values.get("next")),
        ),
        429,
    )
    response.headers["Retry-After"] = str(throttle.seconds_left(limit))
    return response


@bp.route("/login", methods=["GET", "POST"])
@throttle.limiter.limit(
    throttle.setting("LOGIN_LIMIT_PER_ACCOUNT"),
    key_func=throttle.account_key,
    methods=["POST"],
    exempt_when=throttle.no_account_named,
    deduct_when=throttle.failed,
    on_breach=_login_locked,
)
@throttle.limiter.limit(
    throttle.setting("LOGIN_LIMIT_PER_ADDRESS"),
    methods=["POST"],
    deduct_when=throttle.failed,
    on_breach=_login_locked,
)
def login():
    staff_mode = request.values.get("as") == "staff"
    next_url = safe_next(request.values.get("next"))
    errors: dict[str, str] = {}
    phone = request.form.get("phone", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or url_for("home.index"))
    if request.method == "POST":
        try:
            user = services.authenticate(phone, request.form.get("secret", ""))
        except UserError as error:
            errors[error.field or "secret"] = str(error.message)
        else:
            remember = bool(request.form.get("remember"))
            if user.has_second_factor:
                keep = {k: v for k, v in session.items() if k.startswith("visitor_")}
                session.clear()
                session.update(keep)
                session[PENDING] = {
                    "id": user.id,
                    "v": user.session_version,
                    "at": int(time.time()),
                    "next": next_url,
                }
                return redirect(url_for("auth.second_factor"))
            _sign_in(user, remember=remember)
            if user.must_change_secret:
                return redirect(url_for("auth.change_secret"))
            return redirect(next_url or url_for("home.index"))
    return render_template(
        "auth/login.html", errors=errors, phone=phone, staff_mode=staff_mode, next=next_url
    ), (422 if errors else 200)


# --- The second factor -------------------------------------------------------------------

PENDING = "pending_2fa"  # who gave the right password and still owes a code
PENDING_SECONDS = 300


def _pending_user() -> User | None:
    pending = session.get(PENDING)
    if not pending or int(time.time()) - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["id"])
    if user is None or user.session_version != pending["v"] or not user.has_second_factor:
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING) or {}
    return f"2fa:{pending.get('id', 'none')}"


def _second_factor_locked(limit: RequestLimit):
    message = _(
        "Too many wrong codes. For your safety, wait %(n)d minutes and sign in again.",
        n=throttle.minutes_left(limit),
    )
    response = make_response(render_template("auth/second_factor.html", errors={"code": message}))
    response.status_code = 429
    response.headers["Retry-After"] = str(throttle.seconds_left(limit))
    return response


@bp.route("/login/code", methods=["GET", "POST"])
@throttle.limiter.limit(
    throttle.setting("TWO_FACTOR_LIMIT"),
    key_func=_pending_key,
    methods=["POST"],
    deduct_when=throttle.failed,
    on_breach=_second_factor_locked,
)
def second_factor():
    """Step two of a staff sign-in: the code from the authenticator app (or a recovery
    code), within five minutes of the password."""
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login", **{"as": "staff"}))
    errors: dict[str, str] = {}
    if request.method == "POST":
        used = twofactor.verify(user, request.form.get("code", ""))
        if used is None:
            db.session.rollback()
            errors["code"] = _("That code is not right. Type the newest code from the app.")
        else:
            db.session.commit()
            next_url = session[PENDING].get("next")
            _sign_in(user, remember=False)
            if used == "recovery":
                flash(
                    _(
                        "You used a recovery code: %(n)d are left. If the phone with the app"
                        " is lost, make new codes on your profile.",
                        n=twofactor.recovery_codes_left(user),
                    ),
                    "info",
                )
            if user.must_change_secret:
                return redirect(url_for("auth.change_secret"))
            return redirect(next_url or url_for("home.index"))
    return render_template("auth/second_factor.html", errors=errors), (422 if errors else 200)


@bp.before_app_request
def force_second_factor():
    """With REQUIRE_2FA, officials and admins set up the app before anything else."""
    if request.endpoint in ANONYMOUS_ENDPOINTS or request.endpoint in {
        "auth.two_factor",
        "auth.logout",
        "auth.change_secret",
        "core.privacy",
    }:
        return None
    if (
        current_user.is_authenticated
        and not current_user.has_second_factor
        and twofactor.required_for(current_user)
    ):
        if request.path.startswith("/api/"):
            abort(403)
        return redirect(url_for("auth.two_factor"))
    return None


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Turn on the authenticator app (staff), see how many recovery codes are left, make
    new ones, or turn it off (unless it is required)."""
    if not current_user.is_staff:
        abort(403)
    user = current_user._get_current_object()
    errors: dict[str, str] = {}
    action = request.form.get("action", "")
    if request.method == "POST" and not user.has_second_factor:
        secret = session.get("totp_setup")
        if not secret:
            return redirect(url_for("auth.two_factor"))
        try:
            codes = twofactor.enable(user, secret, request.form.get("code", ""))
        except UserError as error:
            db.session.rollback()
            errors["code"] = str(error.message)
        else:
            db.session.commit()
            session.pop("totp_setup", None)
            _sign_in(user, remember=False)  # this session stays; the others end
            return _recovery_codes_page(codes)
    elif request.method == "POST":
        if not check_password_hash(user.secret_hash or "", request.form.get("password", "")):
            errors["password"] = _("The password is not right. Please try again.")
        elif action == "codes":
            codes = twofactor._new_recovery_codes(user)
            audit.record(user, "2fa.new_recovery_codes", f"user:{user.id}")
            db.session.commit()
            return _recovery_codes_page(codes)
        elif action == "off" and not twofactor.required_for(user):
            twofactor.disable(user, by=user)
            db.session.commit()
            flash(_("The second step is off."), "success")
            return redirect(url_for("auth.profile"))
        else:
            abort(400)
    context = {"errors": errors, "required": twofactor.required_for(user)}
    if user.has_second_factor:
        context["codes_left"] = twofactor.recovery_codes_left(user)
    else:
        secret = session.get("totp_setup") or twofactor.new_secret()
        session["totp_setup"] = secret
        context.update(secret=secret, uri=twofactor.provisioning_uri(user, secret))
    response = make_response(
        render_template("auth/two_factor.html", **context), 422 if errors else 200
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _recovery_codes_page(codes: list[str]):
    response = make_response(render_template("auth/recovery_codes.html", codes=codes))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/logout")
def logout():
    session.clear()
    logout_user()  # after clearing: it leaves the order to delete the remember-me cookie
    flash(_("You have signed out."), "info")
    return redirect(url_for("home.index"))


@bp.route("/register", methods=["GET", "POST"])
@throttle.limiter.limit(
    throttle.setting("REGISTER_LIMIT_PER_ADDRESS"),
    methods=["POST"],
    exempt_when=lambda: "refresh" in request.form,
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    next_url = safe_next(request.values.get("next"))
    form = request.form
    errors: dict[str, str] = {}
    picker = areas.picker_state(request.values)
    if request.method == "POST" and "refresh" not in form:
        try:
            if form.get("pin", "") != form.get("pin2", ""):
                raise UserError(_("The two PINs are not the same."), "pin2")
            user = services.register_resident(
                name=form.get("name", ""),
                phone=form.get("phone", ""),
                pin=form.get("pin", ""),
                birth_year=parse_int(form.get("birth_year"), "birth_year"),
                area=picker.area,
                consent_version=(
                    current_app.config["PRIVACY_NOTICE_VERSION"] if form.get("consent") else None
                ),
                locale=i18n.select_locale(),
            )
        except UserError as error:
            db.session.rollback()
            errors[error.field or "name"] = str(error.message)
        else:
            db.session.commit()
            _sign_in(user, remember=True)
            flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
            return redirect(next_url or url_for("home.index"))
    return render_template(
        "auth/register.html", errors=errors, form=form, picker=picker, next=next_url
    ), (422 if errors else 200)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    errors: dict[str, str] = {}
    if request.method == "POST":
        locale = request.form.get("locale")
        if locale not in current_app.config["LANGUAGES"]:
            locale = None
        size = request.form.get("text_size", "normal")
        if size not in i18n.TEXT_SIZES:
            size = "normal"
        try:
            services.update_profile(
                current_user, name=request.form.get("name", ""), locale=locale, text_size=size
            )
        except UserError as error:
            db.session.rollback()
            errors[error.field or "name"] = str(error.message)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            response = redirect(
                url_for("auth.profile", lang=locale) if locale else url_for("auth.profile")
            )
            response.set_cookie(
                i18n.TEXT_SIZE_COOKIE, size, max_age=i18n.ONE_YEAR, samesite="Lax", httponly=True
            )
            return response
    return render_template("auth/profile.html", errors=errors), (422 if errors else 200)


@bp.route("/profile/secret", methods=["GET", "POST"])
@login_required
def change_secret():
    errors: dict[str, str] = {}
    forced = current_user.must_change_secret
    if request.method == "POST":
        try:
            if request.form.get("new", "") != request.form.get("new2", ""):
                raise UserError(_("The two entries are not the same."), "new2")
            services.change_secret(
                current_user,
                request.form.get("current"),
                request.form.get("new", ""),
            )
        except UserError as error:
            db.session.rollback()
            errors[error.field or "new"] = str(error.message)
        else:
            db.session.commit()
            _sign_in(current_user._get_current_object(), remember=False)
            flash(_("Saved. Use the new one next time you sign in."), "success")
            return redirect(url_for("home.index") if forced else url_for("auth.profile"))
    return render_template("auth/secret.html", errors=errors, forced=forced), (
        422 if errors else 200
    )

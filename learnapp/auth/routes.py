"""Sign-in, sign-out, self-registration and the profile page."""

from __future__ import annotations

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

from learnapp.areas import services as areas
from learnapp.auth import services, throttle
from learnapp.auth.models import Role, User
from learnapp.auth.phone import display_phone
from learnapp.core import i18n
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
    user = db.session.get(User, int(ident))
    if user is None or user.session_version != int(version):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/"):
        abort(401)
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def force_secret_change():
    """Staff given a one-time password must choose their own before anything else."""
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
            _sign_in(user, remember=bool(request.form.get("remember")))
            if user.must_change_secret:
                return redirect(url_for("auth.change_secret"))
            return redirect(next_url or url_for("home.index"))
    return render_template(
        "auth/login.html", errors=errors, phone=phone, staff_mode=staff_mode, next=next_url
    ), (422 if errors else 200)


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

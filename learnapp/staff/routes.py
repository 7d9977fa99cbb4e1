"""Staff pages. Every page is bounded by the signed-in person's responsibility area."""

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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from learnapp.areas import services as areas
from learnapp.areas.models import Area, AreaKind, Team
from learnapp.auth import services as accounts
from learnapp.auth.access import (
    managers_required,
    require_area_in_scope,
    roles_required,
    staff_required,
)
from learnapp.auth.models import Role, User
from learnapp.core import audit
from learnapp.core.errors import UserError
from learnapp.core.forms import parse_int
from learnapp.core.htmx import render_page
from learnapp.extensions import db
from learnapp.staff import services

bp = Blueprint("staff", __name__, template_folder="templates", url_prefix="/staff")


def _scope() -> Area:
    area = current_user.responsibility_area
    if area is None:
        abort(403)
    return area


@bp.get("/")
@staff_required
def index():
    scope = _scope()
    return render_template(
        "staff/index.html",
        scope=scope,
        children=areas.children(scope) if scope.child_kind else [],
        residents=services.count_residents_within(scope),
        teams=areas.teams_within(scope),
    )


# --- Residents ----------------------------------------------------------------------


@bp.get("/residents/")
@staff_required
def residents():
    scope = _scope()
    query = request.args.get("q", "").strip()[:120]
    people = services.residents_within(scope, query)
    return render_page(
        "staff/residents.html", "staff/_resident_list.html", scope=scope, people=people, q=query
    )


@bp.route("/residents/new", methods=["GET", "POST"])
@staff_required
def new_resident():
    """A trainer registers a resident at the door; the phone is optional."""
    scope = _scope()
    form = request.form
    errors: dict[str, str] = {}
    picker = areas.picker_state(request.values, within=scope)
    if request.method == "POST" and "refresh" not in form:
        try:
            if picker.area is None:
                raise UserError(_("Please choose the resident's residential area."), "area")
            require_area_in_scope(picker.area)
            user = accounts.register_resident(
                name=form.get("name", ""),
                phone=form.get("phone", "").strip() or None,
                pin=form.get("pin", "").strip() or None,
                birth_year=parse_int(form.get("birth_year"), "birth_year"),
                area=picker.area,
                consent_version=None,
                created_by=current_user,
            )
        except UserError as error:
            db.session.rollback()
            errors[error.field or "name"] = str(error.message)
        else:
            audit.record(current_user, "resident.create", f"user:{user.id}")
            db.session.commit()
            flash(_("%(name)s is registered.", name=user.name), "success")
            return redirect(
                url_for(
                    "staff.new_resident",
                    area_id=user.home_area_id,
                    commune=picker.commune.id if picker.commune else None,
                )
            )
    return render_template("staff/new_resident.html", form=form, errors=errors, picker=picker), (
        422 if errors else 200
    )


def _resident_in_scope(user_id: int) -> User:
    """A resident whose home lies in the signed-in staff member's area (404, 403)."""
    person = db.session.get(User, user_id)
    if person is None or person.is_staff or person.home_area is None:
        abort(404)
    if not current_user.may_manage(person.home_area):
        abort(403)
    return person


@bp.get("/residents/<int:user_id>")
@staff_required
def resident(user_id: int):
    return render_template("staff/resident.html", person=_resident_in_scope(user_id), pin=None)


@bp.post("/residents/<int:user_id>/pin")
@staff_required
def reset_pin(user_id: int):
    """A new temporary PIN for a resident who forgot theirs, shown once to the trainer."""
    person = _resident_in_scope(user_id)
    try:
        pin = accounts.reset_pin(person, by=current_user)
    except UserError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("staff.resident", user_id=person.id))
    db.session.commit()
    response = make_response(render_template("staff/resident.html", person=person, pin=pin))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    """Who did what to personal data, and every export (admins only), newest first."""
    action = request.args.get("action", "").strip()[:40]
    raw_page = request.args.get("page", "")
    page = min(int(raw_page), 10_000) if raw_page.isdigit() and int(raw_page) > 0 else 1
    entries, more = audit.latest(action=action or None, page=page)
    return render_template(
        "staff/audit.html",
        entries=entries,
        actions=audit.actions(),
        action=action,
        page=page,
        more=more,
    )


# --- Areas --------------------------------------------------------------------------


@bp.get("/areas/<int:area_id>")
@staff_required
def area(area_id: int):
    area = require_area_in_scope(db.session.get(Area, area_id))
    return render_template(
        "staff/area.html",
        area=area,
        children=areas.children(area),
        trail=[a for a in areas.ancestors(area) if current_user.may_manage(a)],
        residents=services.count_residents_within(area),
        errors={},
        form={},
    )


@bp.post("/areas/<int:area_id>")
@managers_required
def edit_area(area_id: int):
    area = require_area_in_scope(db.session.get(Area, area_id))
    try:
        areas.update_area(
            area,
            name=request.form.get("name", ""),
            target_population=parse_int(request.form.get("target_population"), "target_population"),
        )
    except UserError as error:
        db.session.rollback()
        return _area_with_errors(area, {error.field or "name": str(error.message)}, "edit")
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("staff.area", area_id=area.id))


@bp.post("/areas/<int:area_id>/children")
@managers_required
def add_child(area_id: int):
    area = require_area_in_scope(db.session.get(Area, area_id))
    if area.kind != AreaKind.COMMUNE and current_user.role != Role.ADMIN:
        abort(403)
    try:
        child = areas.create_area(
            parent=area,
            name=request.form.get("name", ""),
            code=request.form.get("code", "").strip() or None,
            target_population=parse_int(request.form.get("target_population"), "target_population"),
        )
    except UserError as error:
        db.session.rollback()
        return _area_with_errors(area, {error.field or "name": str(error.message)}, "add")
    db.session.commit()
    flash(_("%(name)s is added.", name=child.name), "success")
    return redirect(url_for("staff.area", area_id=area.id))


@bp.get("/areas/<int:area_id>/targets.csv")
@managers_required
def targets_template(area_id: int):
    """The subtree's targets as a spreadsheet, to fill in and upload back."""
    area = require_area_in_scope(db.session.get(Area, area_id))
    response = current_app.response_class(areas.targets_csv(area), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="muc-tieu-{area.code}.csv"'
    return response


@bp.post("/areas/<int:area_id>/targets")
@managers_required
def import_targets(area_id: int):
    """Targets from a CSV file (MAX_CONTENT_LENGTH, 1 MB, is ~20,000 rows: a province)."""
    area = require_area_in_scope(db.session.get(Area, area_id))
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data.strip():
        return _area_with_errors(area, {"file": _("Choose a CSV file to upload.")}, "targets")
    try:
        result = areas.import_targets(data, area)
    except UserError as error:
        db.session.rollback()
        return _area_with_errors(area, {"file": str(error.message)}, "targets")
    audit.record(
        current_user,
        "targets.import",
        area.code,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    db.session.commit()
    flash(
        _(
            "Targets saved: %(updated)d changed, %(unchanged)d unchanged.",
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("staff.area", area_id=area.id))


def _area_with_errors(area: Area, errors: dict, which: str):
    db.session.refresh(area)
    return render_template(
        "staff/area.html",
        area=area,
        children=areas.children(area),
        trail=[a for a in areas.ancestors(area) if current_user.may_manage(a)],
        residents=services.count_residents_within(area),
        errors=errors if which == "edit" else {},
        add_errors=errors if which == "add" else {},
        target_errors=errors if which == "targets" else {},
        form=request.form,
    ), 422


# --- Teams --------------------------------------------------------------------------


@bp.route("/teams/", methods=["GET", "POST"])
@staff_required
def teams():
    scope = _scope()
    errors: dict[str, str] = {}
    picker = areas.picker_state(request.values, within=scope)
    if request.method == "POST" and "refresh" not in request.form:
        if not current_user.has_role(Role.OFFICIAL, Role.ADMIN):
            abort(403)
        try:
            target = picker.area or picker.commune
            if target is None:
                raise UserError(_("Please choose the team's area."), "area")
            require_area_in_scope(target)
            team = areas.create_team(area=target, name=request.form.get("name", ""))
        except UserError as error:
            db.session.rollback()
            errors[error.field or "name"] = str(error.message)
        else:
            db.session.commit()
            flash(_("%(name)s is created.", name=team.name), "success")
            return redirect(url_for("staff.team", team_id=team.id))
    return render_template(
        "staff/teams.html",
        teams=areas.teams_within(scope),
        errors=errors,
        picker=picker,
        form=request.form,
    ), (422 if errors else 200)


def _team_in_scope(team_id: int) -> Team:
    """The team, if it lies in the signed-in person's area (404 unknown, 403 outside)."""
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    require_area_in_scope(team.area)
    return team


@bp.get("/teams/<int:team_id>")
@staff_required
def team(team_id: int):
    team = _team_in_scope(team_id)
    members = {m.user_id for m in team.memberships}
    candidates = [
        u for u in services.trainers_within(team.area.parent or team.area) if u.id not in members
    ]
    return render_template("staff/team.html", team=team, candidates=candidates)


@bp.post("/teams/<int:team_id>/members")
@managers_required
def add_team_member(team_id: int):
    team = _team_in_scope(team_id)
    user = db.session.get(User, parse_int(request.form.get("user_id"), "user_id") or 0)
    if user is None or not user.is_staff or not current_user.may_manage(user.responsibility_area):
        flash(_("Choose a trainer from the list."), "error")
        return redirect(url_for("staff.team", team_id=team.id))
    areas.add_member(team, user, leader=bool(request.form.get("leader")))
    db.session.commit()
    return redirect(url_for("staff.team", team_id=team.id))


@bp.post("/teams/<int:team_id>/members/<int:user_id>/remove")
@managers_required
def remove_team_member(team_id: int, user_id: int):
    team = _team_in_scope(team_id)
    areas.remove_member(team, user_id)
    db.session.commit()
    return redirect(url_for("staff.team", team_id=team.id))


# --- Staff accounts -----------------------------------------------------------------


@bp.get("/accounts/")
@managers_required
def accounts_list():
    scope = _scope()
    return render_template(
        "staff/accounts.html",
        people=services.staff_within(scope),
        may_edit=lambda u: services.may_edit_account(current_user, u),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@managers_required
def new_account():
    scope = _scope()
    errors: dict[str, str] = {}
    picker = areas.picker_state(request.values, within=scope)
    grantable = services.roles_actor_may_grant(current_user)
    if request.method == "POST" and "refresh" not in request.form:
        try:
            role = _role_from_form(grantable)
            target = picker.area or picker.commune or picker.province or scope
            require_area_in_scope(target)
            user, one_time = accounts.create_staff(
                name=request.form.get("name", ""),
                phone=request.form.get("phone", ""),
                role=role,
                area=target,
                created_by=current_user,
            )
        except UserError as error:
            db.session.rollback()
            errors[error.field or "name"] = str(error.message)
        else:
            audit.record(
                current_user, "staff.create", f"user:{user.id}", role=role, area=target.code
            )
            db.session.commit()
            return render_template("staff/account_created.html", user=user, one_time=one_time)
    return render_template(
        "staff/new_account.html",
        errors=errors,
        picker=picker,
        form=request.form,
        grantable=grantable,
    ), (422 if errors else 200)


def _role_from_form(grantable: list[Role]) -> Role:
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        role = None
    if role not in grantable:
        raise UserError(_("Choose a role from the list."), "role")
    return role


def _editable_account(user_id: int) -> User:
    """The staff account, if the signed-in manager may edit it (404 unknown, 403 not)."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    if not services.may_edit_account(current_user, user):
        abort(403)
    return user


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@managers_required
def edit_account(user_id: int):
    user = _editable_account(user_id)
    scope = _scope()
    errors: dict[str, str] = {}
    grantable = services.roles_actor_may_grant(current_user)
    picker = areas.picker_state(request.values, within=scope)
    if request.method == "POST" and "refresh" not in request.form:
        try:
            role = _role_from_form(grantable)
            target = picker.area or picker.commune or picker.province or scope
            require_area_in_scope(target)
            accounts.set_roles(user, role, target)
            audit.record(current_user, "staff.role", f"user:{user.id}", role=role, area=target.code)
        except UserError as error:
            db.session.rollback()
            errors[error.field or "role"] = str(error.message)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("staff.accounts_list"))
    return render_template(
        "staff/edit_account.html", user=user, errors=errors, picker=picker, grantable=grantable
    ), (422 if errors else 200)


@bp.post("/accounts/<int:user_id>/active")
@managers_required
def set_account_active(user_id: int):
    user = _editable_account(user_id)
    if request.form.get("active") == "1":
        accounts.reactivate(user)
        audit.record(current_user, "staff.reactivate", f"user:{user.id}")
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        accounts.deactivate(user)
        audit.record(current_user, "staff.deactivate", f"user:{user.id}")
        flash(_("%(name)s can no longer sign in.", name=user.name), "success")
    db.session.commit()
    return redirect(url_for("staff.accounts_list"))

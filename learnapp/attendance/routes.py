"""Sessions (``/sessions/…``), self check-in (``/c/…``) and residents' cards (``/u/…``).

Public contracts: ``/c/<token>`` is what the trainer's rotating QR encodes; ``/u/<card>``
is what a resident's card encodes. Both are printed or shown as QR codes: keep them.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnapp.areas import services as areas
from learnapp.areas.models import Area, AreaKind, Team
from learnapp.attendance import services, tokens
from learnapp.attendance.models import CheckIn, Method, TrainingSession
from learnapp.auth.access import require_area_in_scope, staff_required
from learnapp.auth.models import User, new_card_token
from learnapp.core import audit
from learnapp.core.errors import UserError
from learnapp.core.forms import parse_int
from learnapp.core.htmx import render_page
from learnapp.core.qr import qr_svg
from learnapp.core.time import local_to_utc, utc_to_local, utcnow
from learnapp.extensions import db
from learnapp.lessons.loader import get_catalogue
from learnapp.staff import services as staff

bp = Blueprint("attendance", __name__, template_folder="templates")

CLAIM_KEY = "visitor_checkin"  # survives sign-in (see auth.routes._sign_in)
CLAIM_LIFETIME = timedelta(minutes=20)


def _lang() -> str:
    return str(get_locale())


@bp.app_template_global()
def method_label(method: str) -> str:
    labels = {
        Method.SELF_SCAN: _("scanned the QR"),
        Method.CARD_SCAN: _("card scanned"),
        Method.CODE: _("typed the code"),
        Method.MANUAL: _("by the trainer"),
    }
    return labels.get(Method(method), method)


# --- Time: forms speak Vietnam's local time, the database UTC ---------------------------


def _parse_local(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        local = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(_("Please give a date and time, e.g. 2026-12-05 19:30."), field) from None
    return local_to_utc(local)


def _utc_to_local_input(moment: datetime | None) -> str:
    return "" if moment is None else utc_to_local(moment).strftime("%Y-%m-%dT%H:%M")


# --- Sessions -----------------------------------------------------------------------------


def _scope() -> Area:
    area = current_user.responsibility_area
    if area is None:
        abort(403)
    return area


def get_session_in_scope(session_id: int) -> TrainingSession:
    """The session, if the signed-in staff member is responsible for its area.

    Raises 404 when there is no such session and 403 when it lies outside their area.
    """
    found = db.session.get(TrainingSession, session_id)
    if found is None:
        abort(404)
    require_area_in_scope(found.area)
    return found


@bp.get("/sessions/")
@staff_required
def sessions():
    scope = _scope()
    return render_template(
        "attendance/sessions.html",
        scope=scope,
        upcoming=services.sessions_within(scope, upcoming=True),
        past=services.sessions_within(scope, upcoming=False, limit=30),
    )


def _session_form(found: TrainingSession | None):
    scope = _scope()
    catalogue = get_catalogue()
    form = request.form
    errors: dict[str, str] = {}
    picker = areas.picker_state(request.values, within=scope)
    if found is not None and request.method == "GET":
        picker = areas.picker_state(
            {"commune": str(services.commune_of(found.area).id), "area_id": str(found.area.id)},
            within=scope,
        )
    teams = areas.teams_within(services.commune_of(scope))
    if request.method == "POST" and "refresh" not in form:
        try:
            area = picker.area or picker.commune
            if area is None:
                raise UserError(_("Choose the commune or residential area of the session."), "area")
            require_area_in_scope(area)
            team = db.session.get(Team, parse_int(form.get("team"), "team") or 0)
            if team is not None and not current_user.may_manage(team.area):
                abort(403)
            saved = services.save_session(
                found,
                creator=current_user,
                area=area,
                team=team,
                title=form.get("title", ""),
                place=form.get("place", ""),
                starts_at=_parse_local(form.get("starts_at"), "starts_at"),
                ends_at=_ends_at(form),
                course_slugs=form.getlist("courses"),
                known_courses={c.slug for c in catalogue.courses},
            )
        except UserError as error:
            db.session.rollback()
            errors[error.field or "title"] = str(error.message)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("attendance.session_page", session_id=saved.id))
    values = {
        "title": form.get("title", found.title if found else ""),
        "place": form.get("place", found.place if found else ""),
        "starts_at": form.get("starts_at", _utc_to_local_input(found.starts_at if found else None)),
        "ends_at": form.get("ends_at", _utc_to_local_input(found.ends_at)[11:] if found else ""),
        "courses": form.getlist("courses") or (found.course_slugs if found else []),
        "team": form.get("team", str(found.team_id or "") if found else ""),
    }
    return render_template(
        "attendance/session_form.html",
        found=found,
        errors=errors,
        picker=picker,
        teams=teams,
        courses=catalogue.courses,
        values=values,
        lang=_lang(),
    ), (422 if errors else 200)


def _ends_at(form) -> datetime | None:
    """The end, typed as a time ("21:00") on the start's day, or as a full date and time."""
    value = (form.get("ends_at") or "").strip()
    start = form.get("starts_at") or ""
    if len(value) == 5 and ":" in value:
        if len(start) < 10:
            return None  # the missing start is what the person hears about
        value = f"{start[:10]}T{value}"
    return _parse_local(value, "ends_at")


@bp.route("/sessions/new", methods=["GET", "POST"])
@staff_required
def new_session():
    return _session_form(None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_session(session_id: int):
    return _session_form(get_session_in_scope(session_id))


@bp.post("/sessions/<int:session_id>/cancel")
@staff_required
def cancel_session(session_id: int):
    found = get_session_in_scope(session_id)
    services.cancel_session(found)
    db.session.commit()
    flash(_("The session is cancelled."), "success")
    return redirect(url_for("attendance.session_page", session_id=found.id))


@bp.get("/sessions/<int:session_id>")
@staff_required
def session_page(session_id: int):
    found = get_session_in_scope(session_id)
    return render_page(
        "attendance/session.html",
        "attendance/_roster.html",
        found=found,
        roster=services.roster(found),
        lang=_lang(),
        catalogue=get_catalogue(),
        now=utcnow(),
        open_now=services.open_for_check_in(found, utcnow()),
    )


@bp.get("/sessions/<int:session_id>/roster")
@staff_required
def roster(session_id: int):
    found = get_session_in_scope(session_id)
    return render_page(
        "attendance/roster.html",
        "attendance/_roster.html",
        found=found,
        roster=services.roster(found),
    )


@bp.get("/sessions/<int:session_id>/qr")
@staff_required
def show_qr(session_id: int):
    found = get_session_in_scope(session_id)
    now = utcnow()
    first_window, schedule = services.session_window_tokens(found, now)
    initial = min(max(tokens.window_at(now) - first_window, 0), len(schedule) - 1)
    return render_template(
        "attendance/show_qr.html",
        found=found,
        first_window=first_window,
        initial=initial,
        tokens=schedule,
        window_seconds=tokens.WINDOW_SECONDS,
        server_now_ms=int(now.replace(tzinfo=UTC).timestamp() * 1000),
        checkin_base=url_for("attendance.self_check_in", token="", _external=True),
        open_now=services.open_for_check_in(found, now),
    )


@bp.get("/sessions/<int:session_id>/scan")
@staff_required
def scan(session_id: int):
    found = get_session_in_scope(session_id)
    return render_template("attendance/scan.html", found=found, roster=services.roster(found)[:10])


def _desk_people(found: TrainingSession, query: str) -> list[User]:
    return staff.residents_within(services.commune_of(found.area), query, limit=30)


@bp.get("/sessions/<int:session_id>/desk")
@staff_required
def desk(session_id: int):
    """Manual check-in: find a resident by name (accents not needed), or register a newcomer."""
    found = get_session_in_scope(session_id)
    query = request.args.get("q", "").strip()[:100]
    commune = services.commune_of(found.area)
    here = {c.user_id for c in services.roster(found)}
    people = _desk_people(found, query) if query else []
    if request.htmx:
        return render_page(
            "attendance/desk.html",
            "attendance/_desk_results.html",
            found=found,
            people=people,
            q=query,
            here=here,
        )
    # With JavaScript the list works offline: the session's residents travel with the page.
    everyone = staff.residents_within(found.area, "", limit=2000)
    directory = [
        {
            "id": p.id,
            "n": p.name,
            "f": p.name_folded,
            "y": p.birth_year or "",
            "a": p.home_area.name if p.home_area else "",
        }
        for p in everyone
    ]
    return render_page(
        "attendance/desk.html",
        "attendance/_desk_results.html",
        found=found,
        people=people,
        q=query,
        here=here,
        directory=directory,
        errors={},
        form={},
        residential=areas.children(commune) if commune.kind == AreaKind.COMMUNE else [commune],
    )


@bp.post("/sessions/<int:session_id>/checkin")
@staff_required
def manual_check_in(session_id: int):
    found = get_session_in_scope(session_id)
    outcome = services.record_event(
        current_user,
        "manual",
        {
            "id": request.form.get("event_id"),
            "session": found.id,
            "person": parse_int(request.form.get("person"), "person"),
        },
    )
    db.session.commit()
    _flash_outcome(outcome)
    return redirect(url_for("attendance.desk", session_id=found.id, q=request.form.get("q", "")))


@bp.post("/sessions/<int:session_id>/register")
@staff_required
def register_at_door(session_id: int):
    found = get_session_in_scope(session_id)
    try:
        birth_year = parse_int(request.form.get("birth_year"), "birth_year")
        area_id = parse_int(request.form.get("area"), "area")
    except UserError as error:
        flash(str(error.message), "error")
        return redirect(url_for("attendance.desk", session_id=found.id))
    outcome = services.record_event(
        current_user,
        "register",
        {
            "id": request.form.get("event_id"),
            "session": found.id,
            "name": request.form.get("name", ""),
            "birth_year": birth_year,
            "area": area_id,
            "phone": request.form.get("phone", ""),
        },
    )
    db.session.commit()
    _flash_outcome(outcome)
    return redirect(url_for("attendance.desk", session_id=found.id))


def _flash_outcome(outcome: services.Outcome) -> None:
    if outcome.status == "recorded":
        flash(_("%(name)s is checked in.", name=outcome.person.name), "success")
    elif outcome.status in ("already", "duplicate"):
        flash(_("%(name)s was already checked in.", name=outcome.person.name), "info")
    else:
        flash(str(outcome.reason), "error")


@bp.get("/sessions/<int:session_id>/attendance.csv")
@staff_required
def export_csv(session_id: int):
    found = get_session_in_scope(session_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("No."),
            _("Full name"),
            _("Year of birth"),
            _("Residential area"),
            _("Checked in at"),
            _("How"),
            _("Recorded by"),
        ]
    )
    for number, row in enumerate(reversed(services.roster(found)), start=1):
        person = row.user
        writer.writerow(
            [
                number,
                person.name,
                person.birth_year or "",
                person.home_area.name if person.home_area else "",
                format_datetime(row.checked_in_at, "yyyy-MM-dd HH:mm"),
                method_label(row.method),
                row.recorded_by.name if row.recorded_by else person.name,
            ]
        )
    filename = f"diem-danh-{found.id}-{found.starts_at:%Y%m%d}.csv"
    audit.record_after_read(
        current_user,
        "export.attendance_csv",
        f"session:{found.id}",
        rows=buffer.getvalue().count("\n") - 1,
    )
    response = current_app.response_class("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/sessions/<int:session_id>/sheet")
@staff_required
def attendance_sheet(session_id: int):
    found = get_session_in_scope(session_id)
    rows = list(reversed(services.roster(found)))
    return render_template(
        "attendance/sheet.html",
        found=found,
        rows=rows,
        blanks=max(10, 30 - len(rows)),
        lang=_lang(),
        catalogue=get_catalogue(),
    )


@bp.get("/sessions/activity")
@staff_required
def activity():
    """Sessions held and people checked in, per trainer and per team, for a month."""
    scope = _scope()
    today = utcnow()
    month = request.args.get("month", f"{today:%Y-%m}")
    try:
        start = datetime.strptime(month + "-01", "%Y-%m-%d")
    except ValueError:
        start = today.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        month = f"{start:%Y-%m}"
    end = (start + timedelta(days=32)).replace(day=1)
    trainers, teams = services.activity(scope, local_to_utc(start), local_to_utc(end))
    return render_template(
        "attendance/activity.html", scope=scope, month=month, trainers=trainers, teams=teams
    )


# --- Residents check themselves in: /c/… ---------------------------------------------------


def _claim(found: TrainingSession, method: Method) -> None:
    session[CLAIM_KEY] = {"s": found.id, "m": method.value, "t": utcnow().isoformat()}


def _current_claim() -> tuple[TrainingSession, Method] | None:
    claim = session.get(CLAIM_KEY)
    if not isinstance(claim, dict):
        return None
    try:
        made = datetime.fromisoformat(claim["t"])
        found = db.session.get(TrainingSession, int(claim["s"]))
        method = Method(claim["m"])
    except (KeyError, TypeError, ValueError):
        return None
    if found is None or utcnow() - made > CLAIM_LIFETIME:
        return None
    return found, method


@bp.get("/c/<token>")
def self_check_in(token: str):
    """What the trainer's rotating QR opens: check in (after signing in if need be)."""
    verdict, found = services.judge_token(token, utcnow())
    if verdict != "ok":
        return render_template(
            "attendance/token_problem.html", problem=verdict, found=found, lang=_lang()
        ), (404 if verdict == "invalid" else 410)
    _claim(found, Method.SELF_SCAN)
    return redirect(url_for("attendance.claim"))


@bp.route("/c/", methods=["GET", "POST"])
def enter_code():
    """ "Nhập mã": the 6-character session code, for those who cannot scan."""
    error = None
    code = request.form.get("code", "")
    if request.method == "POST":
        found = services.by_code(code)
        if found is None:
            error = _("No session has this code. Check the 6 characters under the QR code.")
        elif found.is_cancelled:
            error = _("This session was cancelled.")
        elif not services.open_for_check_in(found, utcnow()):
            error = _("Check-in for this session is closed.")
        else:
            _claim(found, Method.CODE)
            return redirect(url_for("attendance.claim"))
    return render_template("attendance/enter_code.html", error=error, code=code), (
        422 if error else 200
    )


@bp.route("/c/claim", methods=["GET", "POST"])
def claim():
    """Finish a check-in started by a scan or a code: sign in or register first if need be,
    without scanning again."""
    pending = _current_claim()
    if pending is None:
        return render_template(
            "attendance/token_problem.html", problem="expired", found=None, lang=_lang()
        ), 410
    found, method = pending
    if not current_user.is_authenticated:
        return render_template("attendance/claim_sign_in.html", found=found, lang=_lang())
    if request.method == "GET":
        return render_template("attendance/claim_confirm.html", found=found, lang=_lang())
    if not services.open_for_check_in(found, utcnow()):
        return render_template(
            "attendance/token_problem.html", problem="closed", found=found, lang=_lang()
        ), 410
    outcome = services.check_in(
        found,
        current_user,
        method=method,
        recorded_by=None,
        at=utcnow(),
        client_uuid=services.canonical_uuid(request.form.get("event_id"))
        if _is_uuid(request.form.get("event_id"))
        else str(uuid.uuid4()),
    )
    db.session.commit()
    session.pop(CLAIM_KEY, None)
    return redirect(
        url_for(
            "attendance.checked_in",
            session_id=found.id,
            already=1 if outcome.status != "recorded" else None,
        )
    )


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@bp.get("/c/done/<int:session_id>")
@login_required
def checked_in(session_id: int):
    found = db.session.get(TrainingSession, session_id)
    row = (
        db.session.scalar(
            db.select(CheckIn).where(
                CheckIn.session_id == session_id, CheckIn.user_id == current_user.id
            )
        )
        if found
        else None
    )
    if row is None:
        abort(404)
    return render_template(
        "attendance/checked_in.html",
        found=found,
        row=row,
        lang=_lang(),
        already=request.args.get("already") == "1",
        catalogue=get_catalogue(),
    )


# --- Residents' cards: /u/… ----------------------------------------------------------------


@bp.get("/u/<card_token>")
def card(card_token: str):
    """What a resident's card encodes. Anyone else learns nothing about them; their own
    trainers can check them in from here."""
    person = services.resident_by_card(card_token)
    if person is None:
        return render_template("attendance/card_unknown.html"), 404
    if current_user.is_authenticated and current_user.id == person.id:
        return redirect(url_for("attendance.my_card"))
    open_sessions = []
    if (
        current_user.is_authenticated
        and current_user.is_staff
        and current_user.may_manage(person.home_area)
    ):
        scope = current_user.responsibility_area
        open_sessions = [
            s
            for s in services.sessions_within(scope, upcoming=True, limit=20)
            if services.open_for_check_in(s, utcnow())
        ]
        return render_template(
            "attendance/card_staff.html",
            person=person,
            sessions=open_sessions,
            card_token=card_token,
        )
    return render_template("attendance/card_public.html")


@bp.post("/u/<card_token>/checkin")
@staff_required
def card_check_in(card_token: str):
    found = get_session_in_scope(parse_int(request.form.get("session"), "session") or 0)
    outcome = services.record_event(
        current_user,
        "card",
        {"id": request.form.get("event_id"), "session": found.id, "card": card_token},
    )
    db.session.commit()
    _flash_outcome(outcome)
    return redirect(url_for("attendance.session_page", session_id=found.id))


def card_url(person: User) -> str:
    return url_for("attendance.card", card_token=person.card_token, _external=True)


@bp.get("/me/card")
@login_required
def my_card():
    return render_template(
        "attendance/my_card.html",
        qr=qr_svg(card_url(current_user), label=_("My check-in card")),
        person=current_user,
    )


@bp.post("/me/card/new")
@login_required
def new_card():
    """Replace a lost card: the old QR stops working at once."""
    current_user.card_token = new_card_token()
    db.session.commit()
    flash(_("Your new card is ready. The old one no longer works."), "success")
    return redirect(url_for("attendance.my_card"))


@bp.get("/cards/<int:area_id>")
@staff_required
def print_cards(area_id: int):
    """An A4 sheet of check-in cards for the residents of an area, for those without a phone."""
    area = require_area_in_scope(db.session.get(Area, area_id))
    only_without_phone = request.args.get("all") != "1"
    people = [
        p
        for p in staff.residents_within(area, "", limit=2000)
        if not only_without_phone or not p.phone
    ]
    cards = [(p, qr_svg(card_url(p), label=p.name)) for p in people]
    audit.record_after_read(current_user, "print.cards", area.code, people=len(people))
    return render_template(
        "attendance/cards.html", area=area, cards=cards, only_without_phone=only_without_phone
    )

"""``/dashboard/<area-code>``: coverage of an area and its children, drill-down, charts,
exports (CSV, XLSX), a printable periodic report, and the API clients."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learnapp.areas import services as areas
from learnapp.areas.models import Area, AreaKind
from learnapp.attendance import services as attendance
from learnapp.auth.access import managers_required, roles_required
from learnapp.auth.models import Role
from learnapp.core import audit
from learnapp.core.database import reads_from_replica
from learnapp.core.htmx import render_page
from learnapp.core.time import local_to_utc, utcnow
from learnapp.dashboard import charts, reports
from learnapp.dashboard.models import ApiClient, hash_token, new_token
from learnapp.extensions import db
from learnapp.lessons.loader import get_catalogue

bp = Blueprint("dashboard", __name__, template_folder="templates", url_prefix="/dashboard")

SORTS = {
    "coverage": lambda f: (f.coverage_pct is None, f.coverage_pct or 0),
    "registered": lambda f: (f.registered_pct is None, f.registered_pct or 0),
    "active": lambda f: f.active,
    "sessions": lambda f: f.sessions,
    "name": lambda f: f.area.name_folded,
}


def _lang() -> str:
    return str(get_locale())


def area_in_scope(code: str) -> Area:
    """The area with this code, if the signed-in official is responsible for it.

    Raises 404 for an unknown code and 403 for an area outside their own.
    """
    area = areas.by_code(code)
    if area is None:
        abort(404)
    if not current_user.may_manage(area):
        abort(403)
    return area


def _context(area: Area, period: reports.Period, sort: str) -> dict:
    catalogue = get_catalogue()
    kids = reports.children_of(area)
    numbers = reports.figures([area, *kids], period, reports.today())
    own = numbers[area.id]
    order = SORTS.get(sort, SORTS["coverage"])
    rows = sorted((numbers[k.id] for k in kids), key=order, reverse=sort in {"active", "sessions"})
    courses = {c.slug: c.title.get(_lang()) for c in catalogue.courses}
    by_course = reports.badges_by_course(area, period)
    local_level = area.kind in (AreaKind.COMMUNE, AreaKind.RESIDENTIAL)
    if local_level:
        own.trainers_active = reports.trainers_active(area, period)
    weeks = reports.weekly_trend(area, period.course, reports.today())
    activity = attendance.activity(area, *_utc_bounds(period)) if local_level else None
    return {
        "area": area,
        "own": own,
        "rows": rows,
        "period": period,
        "sort": sort,
        "courses": courses,
        "lang": _lang(),
        "trail": [a for a in areas.ancestors(area) if current_user.may_manage(a)],
        "trend": charts.trend(
            weeks,
            {
                "lessons_completed": _("Lessons completed"),
                "check_ins": _("Attendances"),
                "badges": _("Badges"),
            },
            _("Weekly trend, last 12 weeks"),
        ),
        "weeks": weeks,
        "by_course": charts.bars(
            [(courses[s], by_course.get(s, 0)) for s in courses], _("Badges per course")
        ),
        "by_course_rows": [(courses[s], by_course.get(s, 0)) for s in courses],
        "teams": activity[1] if activity else None,
        "trainers": activity[0] if activity else None,
        "query": {
            k: v
            for k, v in {
                "course": period.course,
                "from": request.args.get("from"),
                "to": request.args.get("to"),
            }.items()
            if v
        },
    }


def _utc_bounds(period: reports.Period):
    return (
        local_to_utc(datetime.combine(period.start, time.min)),
        local_to_utc(datetime.combine(period.end + timedelta(days=1), time.min)),
    )


@bp.get("/")
@managers_required
def index():
    area = current_user.responsibility_area
    if area is None:
        abort(403)
    return redirect(url_for("dashboard.area", code=area.code, **request.args))


@bp.get("/<code>")
@managers_required
@reads_from_replica
def area(code: str):
    found = area_in_scope(code)
    context = _context(
        found, reports.period_from(request.args), request.args.get("sort", "coverage")
    )
    return render_page("dashboard/area.html", "dashboard/_area.html", **context)


# --- Exports ---------------------------------------------------------------------------------


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list]


def _area_table(found: Area, period: reports.Period) -> Table:
    columns = [
        ("code", _("Code")),
        ("name", _("Area")),
        ("target_population", _("Target population")),
        ("registered", _("Registered residents")),
        ("registered_pct", _("Registered, share of target (percent)")),
        ("active_30_days", _("Active in the last 30 days")),
        ("sessions_held", _("Sessions held")),
        ("attendances", _("Attendances")),
        ("lessons_completed", _("Lessons completed")),
        ("badges", _("Badges")),
        ("residents_with_badge", _("Residents with a badge")),
        ("coverage_pct", _("Coverage (percent)")),
    ]
    kids = reports.children_of(found)
    numbers = reports.figures([found, *kids], period, reports.today())
    rows = [[numbers[a.id].as_dict()[key] for key, _label in columns] for a in [found, *kids]]
    return Table("areas", _("Areas"), [label for _key, label in columns], rows)


def _tables(found: Area, period: reports.Period) -> list[Table]:
    """Every table of the dashboard page, as exported."""
    context = _context(found, period, "name")
    tables = [
        _area_table(found, period),
        Table(
            "weeks",
            _("Weekly trend"),
            [_("Week of"), _("Lessons completed"), _("Attendances"), _("Badges")],
            [[w.start, w.lessons_completed, w.check_ins, w.badges] for w in context["weeks"]],
        ),
        Table(
            "courses",
            _("Badges per course"),
            [_("Course"), _("Badges")],
            [list(row) for row in context["by_course_rows"]],
        ),
    ]
    if context["teams"] is not None:
        header = [_("Name"), _("Area"), _("Sessions held"), _("People checked in")]
        tables.append(
            Table(
                "teams",
                _("Teams"),
                [*header, _("Trainers active")],
                [[t.name, t.area, t.sessions, t.people, t.trainers] for t in context["teams"]],
            )
        )
        tables.append(
            Table(
                "trainers",
                _("Trainers"),
                header,
                [[t.name, t.area, t.sessions, t.people] for t in context["trainers"]],
            )
        )
    return tables


def _filename(found: Area, period: reports.Period, table: str, extension: str) -> str:
    course = f"-{period.course}" if period.course else ""
    part = "" if table == "areas" else f"-{table}"
    return f"do-phu-{found.code}{part}{course}-{period.start}-{period.end}.{extension}"


def _attachment(response, filename: str):
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<code>/export.csv")
@managers_required
@reads_from_replica
def export_csv(code: str):
    """One table of the page (``?table=areas|weeks|courses|teams|trainers``) as CSV with a
    byte-order mark, so that Excel reads the Vietnamese right."""
    found = area_in_scope(code)
    period = reports.period_from(request.args)
    tables = {t.key: t for t in _tables(found, period)}
    table = tables.get(request.args.get("table", ""), tables["areas"])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows(table.rows)
    audit.record_after_read(
        current_user,
        "export.csv",
        found.code,
        table=table.key,
        course=period.course,
        start=period.start,
        end=period.end,
        rows=len(table.rows),
    )
    response = current_app.response_class("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    return _attachment(response, _filename(found, period, table.key, "csv"))


@bp.get("/<code>/export.xlsx")
@managers_required
@reads_from_replica
def export_xlsx(code: str):
    """Every table of the page, one sheet each."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    found = area_in_scope(code)
    period = reports.period_from(request.args)
    tables = _tables(found, period)
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(re.sub(r"[\\/?*\[\]:]", " ", table.title)[:31])
        sheet.append([f"{found.name} · {period.start:%d/%m/%Y}–{period.end:%d/%m/%Y}"])
        sheet.append(table.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 14
        sheet.column_dimensions["B"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    audit.record_after_read(
        current_user,
        "export.xlsx",
        found.code,
        course=period.course,
        start=period.start,
        end=period.end,
        rows=sum(len(t.rows) for t in tables),
    )
    response = current_app.response_class(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, _filename(found, period, "areas", "xlsx"))


@bp.get("/<code>/report")
@managers_required
@reads_from_replica
def report(code: str):
    """A printable periodic report: the last full week or month (or the one asked for)."""
    found = area_in_scope(code)
    kind = "month" if request.args.get("period") == "month" else "week"
    end = reports.today()
    if kind == "week":
        start = end - timedelta(days=end.weekday() + 7)
        end = start + timedelta(days=6)
    else:
        first_this_month = end.replace(day=1)
        end = first_this_month - timedelta(days=1)
        start = end.replace(day=1)
    period = reports.Period(start=start, end=end)
    context = _context(found, period, "coverage")
    html = render_template("dashboard/report.html", kind=kind, **context)
    audit.record_after_read(
        current_user, "report.view", found.code, period=kind, start=start, end=end
    )
    return html


# --- API clients -----------------------------------------------------------------------------


@bp.route("/api-clients", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def api_clients():
    """Tokens for the province's systems to read /api/v1/coverage (admins only)."""
    token = None
    errors: dict[str, str] = {}
    if request.method == "POST":
        name = " ".join(request.form.get("name", "").split())[:120]
        scope = areas.by_code(request.form.get("area", "").strip())
        if not name:
            errors["name"] = _("Please give the client a name.")
        if scope is None or not current_user.may_manage(scope):
            errors["area"] = _("No area has this code.")
        if not errors:
            token = new_token()
            client = ApiClient(
                name=name, token_hash=hash_token(token), area=scope, created_by_id=current_user.id
            )
            db.session.add(client)
            audit.record(current_user, "api_client.create", scope.code, name=name)
            db.session.commit()
    clients = db.session.scalars(select(ApiClient).order_by(ApiClient.created_at.desc())).all()
    return render_template(
        "dashboard/api_clients.html",
        clients=clients,
        token=token,
        errors=errors,
        form=request.form if errors else {},
    ), (422 if errors else 200)


@bp.post("/api-clients/<int:client_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_api_client(client_id: int):
    client = db.session.get(ApiClient, client_id)
    if client is None:
        abort(404)
    client.revoked_at = client.revoked_at or utcnow()
    audit.record(current_user, "api_client.revoke", client.area.code, name=client.name)
    db.session.commit()
    flash(_("The token no longer works."), "success")
    return redirect(url_for("dashboard.api_clients"))

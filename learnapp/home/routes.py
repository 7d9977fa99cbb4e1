"""``/``: a home page made for each role."""

from __future__ import annotations

from flask import Blueprint, render_template, session
from flask_babel import get_locale
from flask_login import current_user

from learnapp.areas import services as areas
from learnapp.areas.models import AreaKind
from learnapp.attendance import services as attendance
from learnapp.auth.models import Role
from learnapp.lessons import services as lessons
from learnapp.lessons.loader import get_catalogue
from learnapp.staff import services as staff

bp = Blueprint("home", __name__, template_folder="templates")


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("home/visitor.html")
    role = current_user.role
    if role == Role.RESIDENT:
        catalogue = get_catalogue()
        progress = lessons.progress_for(current_user)
        return render_template(
            "home/resident.html",
            courses=catalogue.courses,
            done={c.slug: lessons.completed_count(c, progress) for c in catalogue.courses},
            next_up=lessons.continue_point(current_user, catalogue, progress),
            visitor_lessons=len(session.get(lessons.VISITOR_KEY, {})),
            sessions=attendance.upcoming_for_resident(current_user),
            lang=str(get_locale()),
        )
    scope = current_user.responsibility_area
    context = {
        "scope": scope,
        "residents": staff.count_residents_within(scope),
        "residential_areas": areas.count_within(scope, AreaKind.RESIDENTIAL),
        "teams": areas.teams_within(scope),
    }
    context["today"] = attendance.sessions_within(scope, upcoming=True, limit=5)
    if role == Role.TRAINER:
        return render_template("home/trainer.html", **context)
    if role == Role.OFFICIAL:
        return render_template("home/official.html", **context)
    return render_template(
        "home/admin.html",
        provinces=areas.count_within(scope, AreaKind.PROVINCE),
        communes=areas.count_within(scope, AreaKind.COMMUNE),
        **context,
    )

"""The area picker fragment and the ``flask areas`` commands."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from learnapp.areas import services

bp = Blueprint("areas", __name__, template_folder="templates", url_prefix="/areas")


@bp.get("/picker")
def picker():
    """The province → commune → area selects, re-rendered as choices change (htmx).

    Staff asking with ``scope=mine`` see only their responsibility area.
    """
    within = None
    if request.args.get("scope") == "mine" and current_user.is_authenticated:
        within = current_user.responsibility_area
    state = services.picker_state(request.args, within=within)
    return render_template(
        "areas/_picker.html", picker=state, errors={}, scope=request.args.get("scope", "")
    )

"""JSON endpoints. JSON only, so a form on another site cannot post here (no CSRF token
is needed: a cross-site ``application/json`` request needs CORS, which we never allow)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user

from learnapp.api import sync
from learnapp.core.database import end_read, reading
from learnapp.extensions import csrf, db
from learnapp.lessons.services import VISITOR_KEY

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _error(status: int, message: str):
    return jsonify(error=message, status=status), status


@bp.post("/sync")
def sync_events():
    """Record a batch of device events; see docs/api.md."""
    if not request.is_json:
        return _error(415, _("Send the events as JSON (Content-Type: application/json)."))
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        return _error(400, _("The body must be a JSON object with a list of events."))
    events = body["events"]
    if len(events) > sync.MAX_EVENTS:
        return _error(413, _("At most %(n)d events per batch.", n=sync.MAX_EVENTS))
    with reading():  # who is asking: a look-up, not a write
        user = current_user._get_current_object() if current_user.is_authenticated else None
    end_read()
    visitor = dict(session.get(VISITOR_KEY, {}))
    results = sync.process_batch(user, events, visitor)
    if user is None:
        session[VISITOR_KEY] = visitor
    db.session.commit()
    return jsonify(results=results, signed_in=user is not None)

"""JSON endpoints. JSON only, so a form on another site cannot post here (no CSRF token
is needed: a cross-site ``application/json`` request needs CORS, which we never allow)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request, session
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from learnapp.api import sync
from learnapp.areas import services as areas
from learnapp.core import audit
from learnapp.core.database import end_read, reads_from_replica, writing
from learnapp.core.time import utcnow
from learnapp.dashboard import reports
from learnapp.dashboard.models import ApiClient, hash_token
from learnapp.extensions import csrf, db
from learnapp.lessons.services import VISITOR_KEY

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _error(status: int, message: str):
    return jsonify(error=message, status=status), status


def _client() -> ApiClient | None:
    """The API client whose live token came in ``Authorization: Bearer …``, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return db.session.scalar(
        select(ApiClient).where(
            ApiClient.token_hash == hash_token(token.strip()), ApiClient.revoked_at.is_(None)
        )
    )


@bp.get("/coverage/<code>")
@reads_from_replica
def coverage(code: str):
    """Coverage figures of an area and its children, as on the dashboard; see docs/api.md."""
    client = _client()
    if client is None:
        response, status = _error(
            401, _("Send a valid token in the header Authorization: Bearer <token>.")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="coverage"'
        return response, status
    area = areas.by_code(code)
    if area is None:
        return _error(404, _("No area has the code %(code)s.", code=code[:40]))
    if not area.is_within(client.area):
        return _error(403, _("This token cannot read this area."))
    period = reports.period_from(request.args)
    kids = reports.children_of(area)
    numbers = reports.figures([area, *kids], period, reports.today())
    own = numbers[area.id].as_dict()
    own["badges_by_course"] = reports.badges_by_course(area, period)
    # Read before the audit's commit, which expires every loaded area (one query each).
    children = [numbers[k.id].as_dict() for k in kids]
    end_read()
    with writing():
        client.last_used_at = utcnow()
        audit.record(
            client,
            "api.coverage",
            area.code,
            course=period.course,
            start=period.start,
            end=period.end,
        )
        db.session.commit()
    response = jsonify(
        {
            "area": own,
            "children": children,
            "period": {
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                "course": period.course or None,
            },
            "generated_at": utcnow().isoformat(timespec="seconds") + "Z",
        }
    )
    response.cache_control.no_store = True
    return response


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
    # Who is asking (loaded in a read transaction of its own: auth.routes.load_user).
    user = current_user._get_current_object() if current_user.is_authenticated else None
    visitor = dict(session.get(VISITOR_KEY, {}))
    results = sync.process_batch(user, events, visitor)
    if user is None:
        session[VISITOR_KEY] = visitor
    db.session.commit()
    return jsonify(results=results, signed_in=user is not None)

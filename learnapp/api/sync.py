"""``/api/v1/sync``: a batch of events from a device, each recorded at most once.

Every event carries a client UUID (``id``) and a ``type``. Each is checked and recorded
on its own (in a savepoint), so a malformed event is rejected with a reason while the
rest of the batch is kept. The answer lists one result per event, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from learnapp.auth.models import User
from learnapp.extensions import db
from learnapp.lessons import services as lessons
from learnapp.lessons.loader import get_catalogue

MAX_EVENTS = 200

LESSON_TYPES = {
    "lesson.opened": "opened",
    "lesson.step": "step",
    "lesson.answer": "answer",
    "lesson.quiz": "quiz",
}

Handler = Callable[[User | None, dict[str, Any], dict], lessons.Outcome]


def _lesson_handler(kind: str) -> Handler:
    def handle(user: User | None, event: dict[str, Any], visitor: dict) -> lessons.Outcome:
        data = {**event, "kind": kind}
        if user is None:
            return lessons.visitor_record(visitor, get_catalogue(), data)
        return lessons.record_event(user, get_catalogue(), data)

    return handle


HANDLERS: dict[str, Handler] = {name: _lesson_handler(kind) for name, kind in LESSON_TYPES.items()}


def process_batch(user: User | None, events: list[Any], visitor: dict) -> list[dict[str, Any]]:
    """Record each event; ``visitor`` is the device's progress store when nobody is signed in."""
    results = []
    for event in events:
        event_id = event.get("id") if isinstance(event, dict) else None
        result: dict[str, Any] = {"id": event_id if isinstance(event_id, str) else None}
        if not isinstance(event, dict):
            result.update(status="rejected", reason=str(_l("Each event must be an object.")))
        elif "who" in event and str(event["who"]) != (str(user.id) if user else ""):
            # Recorded on this phone under another account: keep it there for later.
            result.update(status="deferred", reason=str(_l("This was done under another account.")))
        elif (handler := HANDLERS.get(event.get("type"))) is None:
            result.update(status="rejected", reason=str(_l("Unknown kind of event.")))
        else:
            with db.session.begin_nested():
                outcome = handler(user, event, visitor)
            result.update(outcome.as_dict())
        results.append(result)
    return results

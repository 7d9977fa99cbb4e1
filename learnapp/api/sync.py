"""``/api/v1/sync``: a batch of events from a device, each recorded at most once.

Every event carries a client UUID (``id``) and a ``type``. Each is checked and recorded
in a transaction of its own, so a malformed event is rejected with a reason while the
rest of the batch is kept, and two phones sending overlapping batches never wait on each
other's rows. The answer lists one result per event, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError

from learnapp.attendance import services as attendance
from learnapp.auth.models import User
from learnapp.core.database import end_read, reading
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
CHECK_IN_TYPES = {
    "checkin.token": "token",
    "checkin.card": "card",
    "checkin.manual": "manual",
    "checkin.register": "register",
}

Result = dict[str, Any]
# A handler checks an event with reads only, and returns its result, or the write to make
# (a function returning the result), which runs in a short write transaction.
Handler = Callable[[User | None, dict[str, Any], dict], Result | Callable[[], Result]]


def _lesson_handler(kind: str) -> Handler:
    def handle(user, event, visitor):
        data = {**event, "kind": kind}
        if user is None:
            return lessons.visitor_record(visitor, get_catalogue(), data).as_dict()
        # The summary is read, changed and written: all of it in the write transaction.
        return lambda: lessons.record_event(user, get_catalogue(), data).as_dict()

    return handle


def _check_in_handler(kind: str) -> Handler:
    def handle(user, event, visitor):
        full_name = bool(user and user.is_staff)
        step = attendance.prepare_event(user, kind, event)
        if isinstance(step, attendance.Outcome):
            return step.as_dict(full_name=full_name)
        return lambda: step().as_dict(full_name=full_name)

    return handle


HANDLERS: dict[str, Handler] = {
    **{name: _lesson_handler(kind) for name, kind in LESSON_TYPES.items()},
    **{name: _check_in_handler(kind) for name, kind in CHECK_IN_TYPES.items()},
}


def process_batch(user: User | None, events: list[Any], visitor: dict) -> list[Result]:
    """Record each event; ``visitor`` is the device's progress store when nobody is signed in."""
    results = []
    for event in events:
        event_id = event.get("id") if isinstance(event, dict) else None
        result: Result = {"id": event_id if isinstance(event_id, str) else None}
        if not isinstance(event, dict):
            result.update(status="rejected", reason=str(_l("Each event must be an object.")))
        elif "who" in event and str(event["who"]) != (str(user.id) if user else ""):
            # Recorded on this phone under another account: keep it there for later.
            result.update(status="deferred", reason=str(_l("This was done under another account.")))
        elif (handler := HANDLERS.get(event.get("type"))) is None:
            result.update(status="rejected", reason=str(_l("Unknown kind of event.")))
        else:
            result.update(_record(handler, user, event, visitor))
        results.append(result)
    return results


def _record(handler: Handler, user: User | None, event: dict[str, Any], visitor: dict) -> Result:
    """Check one event (reads), then make its write in a transaction of its own.

    What was recorded stays recorded if the connection drops half-way through a batch. A
    lost race between two writers (a deadlock, a busy database) is retried once.
    """
    for attempt in (1, 2):
        try:
            with reading():
                outcome = handler(user, event, visitor)
            if callable(outcome):
                end_read()
                outcome = outcome()
            db.session.commit()
            return outcome
        except OperationalError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")

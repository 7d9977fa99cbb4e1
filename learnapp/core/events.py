"""What every event from a device carries: a UUID made on the device, and the time of the
action on the device's clock. Shared by the features that accept offline events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

MAX_SKEW = timedelta(minutes=10)


class Rejected(Exception):
    """An event that cannot be recorded, with the reason to show."""

    def __init__(self, reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


def canonical_uuid(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError):
        raise Rejected(_l("The event id is not a UUID.")) from None


def device_time(value: Any, now: datetime) -> datetime:
    """The device's time of the action (ISO 8601; naive means UTC) as naive UTC. Missing:
    now. A little in the future (clock drift): now."""
    if value in (None, ""):
        return now
    if not isinstance(value, str) or len(value) > 40:
        raise Rejected(_l("The time of the event is not readable."))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected(_l("The time of the event is not readable.")) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return min(moment, now) if moment <= now + MAX_SKEW else now


def whole_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high

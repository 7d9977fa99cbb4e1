"""Time: stored as naive UTC in the database, shown and typed in Vietnam's time."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the form every timestamp column holds)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    """The app's time zone (``APP_TIMEZONE``, Asia/Ho_Chi_Minh by default).

    ``zoneinfo``, not the pytz zone Flask-Babel hands out: ``datetime.replace`` with a pytz
    zone silently uses its 1906 local mean time (+07:07).
    """
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_to_utc(local: datetime) -> datetime:
    """A wall-clock time typed in the app's zone, as naive UTC."""
    return local.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(local_zone()).replace(tzinfo=None)

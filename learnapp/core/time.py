"""Time: stored as naive UTC in the database, shown in Vietnam's time by Babel."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the form every timestamp column holds)."""
    return datetime.now(UTC).replace(tzinfo=None)

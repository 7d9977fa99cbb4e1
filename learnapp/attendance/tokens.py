"""The rotating QR token of a session: ``/c/<token>``.

A token names a session and a 20-second window of time, signed with the session's own
secret (HMAC-SHA256, 8 bytes). A photo of the QR sent to someone at home stops working
within a minute. The trainer's phone gets the tokens of the whole session in advance, so
its QR keeps rotating with no connection; the secret never leaves the server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WINDOW_SECONDS = 20
GRACE_WINDOWS = 3  # a token is accepted up to a minute after it was shown
AHEAD_WINDOWS = 1  # and one window early (clocks differ a little)
MAC_BYTES = 8
_FORMAT = ">II"


class BadToken(ValueError):
    """Not a token of this app (mistyped, cut short or forged)."""


@dataclass(frozen=True)
class Token:
    session_id: int
    window: int
    mac: bytes


def window_at(moment: datetime) -> int:
    """The 20-second window a (naive UTC) moment falls in."""
    return int(moment.replace(tzinfo=UTC).timestamp()) // WINDOW_SECONDS


def window_start(window: int) -> datetime:
    return datetime.fromtimestamp(window * WINDOW_SECONDS, UTC).replace(tzinfo=None)


def _mac(secret: str, session_id: int, window: int) -> bytes:
    payload = struct.pack(_FORMAT, session_id, window)
    return hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:MAC_BYTES]


def make(session_id: int, secret: str, window: int) -> str:
    raw = struct.pack(_FORMAT, session_id, window) + _mac(secret, session_id, window)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse(text: str) -> Token:
    """Read a token without trusting it; raise ``BadToken`` if it cannot be one."""
    if not text or len(text) != 22:
        raise BadToken(text)
    try:
        raw = base64.urlsafe_b64decode(text + "==")
    except ValueError:
        raise BadToken(text) from None
    if len(raw) != 8 + MAC_BYTES:
        raise BadToken(text)
    session_id, window = struct.unpack(_FORMAT, raw[:8])
    return Token(session_id, window, raw[8:])


def signed_by(token: Token, secret: str) -> bool:
    return hmac.compare_digest(token.mac, _mac(secret, token.session_id, token.window))


def fresh_at(token: Token, moment: datetime) -> bool:
    """Was this token on the trainer's screen (give or take) at ``moment``?"""
    now = window_at(moment)
    return now - GRACE_WINDOWS <= token.window <= now + AHEAD_WINDOWS


def schedule(session_id: int, secret: str, start: datetime, end: datetime) -> list[str]:
    """Every token from ``start`` to ``end`` (naive UTC), one per window, in order."""
    first, last = window_at(start), window_at(end)
    return [make(session_id, secret, w) for w in range(first, last + 1)]


def schedule_span(
    now: datetime, starts_at: datetime, ends_at: datetime, limit: timedelta = timedelta(hours=8)
) -> tuple[datetime, datetime]:
    """The stretch of time the trainer's phone gets tokens for: from now (or a little
    before the session) to an hour after its end, at most ``limit``."""
    start = max(now, starts_at - timedelta(hours=1))
    end = min(ends_at + timedelta(hours=1), start + limit)
    return start, max(end, start)

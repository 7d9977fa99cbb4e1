"""Signals sent by attendance, inside the transaction that caused them.

``checked_in.send(user, session=…, check_in=…)`` fires once per resident and session.
"""

from blinker import Namespace

_signals = Namespace()

checked_in = _signals.signal("checked-in")
# ``session_changed.send(session, before=…, after=…)``: a session was planned, moved or
# cancelled; ``before``/``after`` are ``SessionFacts`` (None: not held).
session_changed = _signals.signal("session-changed")

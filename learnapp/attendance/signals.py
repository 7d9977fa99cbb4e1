"""Signals sent by attendance, inside the transaction that caused them.

``checked_in.send(user, session=…, check_in=…)`` fires once per resident and session.
"""

from blinker import Namespace

_signals = Namespace()

checked_in = _signals.signal("checked-in")

"""Signals sent by badges, inside the transaction that caused them.

``badge_issued.send(badge)`` and ``badge_revoked.send(badge)``.
"""

from blinker import Namespace

_signals = Namespace()

badge_issued = _signals.signal("badge-issued")
badge_revoked = _signals.signal("badge-revoked")

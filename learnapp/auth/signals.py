"""Signals sent by accounts: ``resident_registered.send(user)`` once per new resident."""

from blinker import Namespace

_signals = Namespace()

resident_registered = _signals.signal("resident-registered")

"""Errors a service raises for the person in front of the screen to read."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action, with a message in the user's language.

    ``field`` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

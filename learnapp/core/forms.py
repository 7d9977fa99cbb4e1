"""Parsing small pieces of form input into values, with messages people understand."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from learnapp.core.errors import UserError


def parse_int(
    raw: str | None, field: str, *, minimum: int | None = None, maximum: int | None = None
) -> int | None:
    """``""`` -> None; digits -> int; anything else -> ``UserError`` on ``field``."""
    text = (raw or "").strip().replace(".", "").replace(",", "").replace(" ", "")
    if not text:
        return None
    if not text.isdigit() or len(text) > 9:
        raise UserError(_l("Please enter a whole number."), field)
    value = int(text)
    if minimum is not None and value < minimum:
        raise UserError(_l("The number must be at least %(n)d.", n=minimum), field)
    if maximum is not None and value > maximum:
        raise UserError(_l("The number must be at most %(n)d.", n=maximum), field)
    return value

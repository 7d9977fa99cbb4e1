"""Vietnamese phone numbers: "0912 345 678", "+84912345678" and "84912345678" are one."""

import re

_SEPARATORS = re.compile(r"[\s.\-()]+")
# Mobile: 0 + 3/5/7/8/9 + 8 digits. Landline: 02 + 9 digits.
_VALID = re.compile(r"0(?:[35789]\d{8}|2\d{9})")


class InvalidPhone(ValueError):
    """The text is not a Vietnamese phone number."""


def normalise_phone(raw: str | None) -> str:
    """Return the national form ``0912345678`` or raise ``InvalidPhone``."""
    text = _SEPARATORS.sub("", raw or "")
    if text.startswith("+84"):
        text = "0" + text[3:]
    elif text.startswith("0084"):
        text = "0" + text[4:]
    elif text.startswith("84") and len(text) in (11, 12):
        text = "0" + text[2:]
    if not _VALID.fullmatch(text):
        raise InvalidPhone(raw)
    return text


def display_phone(phone: str | None) -> str:
    """``0912345678`` -> ``0912 345 678`` for reading aloud and on screen."""
    if not phone:
        return ""
    return f"{phone[:4]} {phone[4:7]} {phone[7:]}"

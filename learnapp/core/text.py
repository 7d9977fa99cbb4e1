"""Text helpers shared by every feature."""

import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: "Nguyễn  Thị" -> "nguyen thi".

    Used for accent-insensitive search: "chuyen tien" finds "chuyển tiền".
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.lower().split())


def clean_name(text: str | None) -> str:
    """A person's or place's name as typed, with stray spaces removed (NFC)."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def short_name(full_name: str) -> str:
    """A privacy-preserving form of a Vietnamese name: "Hoàng Thị Thích" -> "Hoàng Thị T."."""
    parts = clean_name(full_name).split(" ")
    if len(parts) < 2:
        return parts[0][:1] + "." if parts and parts[0] else ""
    return " ".join([*parts[:-1], parts[-1][:1] + "."])

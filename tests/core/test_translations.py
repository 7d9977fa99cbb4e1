"""Both catalogues are complete, not fuzzy, consistent, and cover every string in the code."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _catalog(locale: str):
    with open(ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def _extracted() -> set[str]:
    method_map = [
        ("learnapp/**.py", "python"),
        ("learnapp/**/templates/**.html", "jinja2"),
        ("learnapp/templates/**.html", "jinja2"),
    ]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords=KEYWORDS,
        options_map={"learnapp/**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_message_is_translated_and_not_fuzzy(locale):
    catalog = _catalog(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert problems == []


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_placeholders_match(locale):
    catalog = _catalog(locale)
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
    assert errors == []


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_catalogue_covers_every_string_in_the_code(locale):
    catalog = _catalog(locale)
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
    missing = sorted(_extracted() - known)
    assert missing == [], "run `make translations` and translate the new strings"

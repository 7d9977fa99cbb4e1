"""Bilingual text from lesson files, and the error that names the file and field."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

LANGS = ("vi", "en")

# Paragraphs, **bold**, *emphasis* and lists; no links, images, HTML or headings.
_markdown = MarkdownIt("zero").enable(["emphasis", "list", "newline"])


class LessonError(ValueError):
    """A problem in a lesson file: where (file and position), which field, what is wrong."""

    def __init__(self, where: str, field: str, problem: str) -> None:
        self.where, self.field, self.problem = where, field, problem
        super().__init__(f"{where}: {field}: {problem}" if field else f"{where}: {problem}")


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi

    def html(self, lang: str) -> Markup:
        return _render(self.get(lang))


@lru_cache(maxsize=8192)
def _render(text: str) -> Markup:
    """Card text as HTML, rendered once per process (lesson files change only on deploy)."""
    # Trusted: markdown-it with HTML turned off escapes everything it does not render.
    return Markup(_markdown.render(text))  # noqa: S704  # nosec B704


def read_text(data: dict[str, Any], field: str, where: str) -> Text:
    """``data[field]`` as ``{vi: …, en: …}``, both present and non-empty."""
    value = data.get(field)
    if not isinstance(value, dict):
        raise LessonError(where, field, "needs Vietnamese (vi) and English (en) text")
    parts = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise LessonError(where, f"{field}.{lang}", "is missing or empty")
        parts[lang] = text.strip()
    return Text(**parts)

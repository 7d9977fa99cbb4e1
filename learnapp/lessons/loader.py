"""The one module that reads ``lessons/``: courses, lessons, pictures and badges.

The catalogue is read once and kept in memory (``get_catalogue``); pages never parse
files. ``load_catalogue`` checks everything and raises ``CatalogueError`` listing every
problem with its file and field; ``flask lessons check`` prints them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import yaml
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from flask import current_app

from learnapp.core.assets import StoredFile
from learnapp.core.text import fold
from learnapp.lessons.quiz import Quiz, read_quiz
from learnapp.lessons.text import LANGS, LessonError, Text, read_text

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 60
IMAGE_MAX_BYTES = 8 * 1024
SVG_NS = "{http://www.w3.org/2000/svg}"


class CatalogueError(ValueError):
    def __init__(self, problems: list[LessonError]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Step:
    text: Text
    image: str | None = None
    alt: Text | None = None


@dataclass(frozen=True)
class Lesson:
    slug: str
    course_slug: str
    minutes: int
    title: Text
    summary: Text
    steps: tuple[Step, ...]
    quiz: Quiz
    search_text: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Skill:
    key: str
    text: Text


@dataclass(frozen=True)
class BadgeSpec:
    """How the course's badge is earned: every lesson passed and ``sessions`` attended
    sessions that covered the course; or every practical skill signed off by a trainer."""

    image: str
    name: Text
    description: Text
    skills: tuple[Skill, ...]
    sessions: int = 1


@dataclass(frozen=True)
class Course:
    slug: str
    order: int
    icon: str
    title: Text
    summary: Text
    lessons: tuple[Lesson, ...]
    badge: BadgeSpec

    def lesson(self, slug: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.slug == slug), None)

    def index_of(self, slug: str) -> int:
        return [lesson.slug for lesson in self.lessons].index(slug)


@dataclass
class Catalogue:
    courses: tuple[Course, ...]
    root: Path
    images: dict[tuple[str, str], StoredFile]

    def course(self, slug: str) -> Course | None:
        return next((c for c in self.courses if c.slug == slug), None)

    def lesson(self, course_slug: str, lesson_slug: str) -> Lesson | None:
        course = self.course(course_slug)
        return course.lesson(lesson_slug) if course else None

    def all_lessons(self) -> list[Lesson]:
        return [lesson for course in self.courses for lesson in course.lessons]

    def search(self, query: str, lang: str, limit: int = 20) -> list[Lesson]:
        """Lessons whose title, summary or cards contain every word of ``query``,
        ignoring accents and case; title matches first."""
        words = fold(query).split()
        if not words:
            return []
        phrase = " ".join(words)
        hits = [
            lesson
            for lesson in self.all_lessons()
            if all(w in lesson.search_text[lang] for w in words)
        ]

        def rank(lesson: Lesson) -> tuple[bool, bool, bool]:
            title = fold(lesson.title.get(lang))
            return (
                phrase not in title,
                not all(w in title for w in words),
                phrase not in lesson.search_text[lang],
            )

        return sorted(hits, key=rank)[:limit]


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise LessonError(
            where, "", f"is not valid YAML ({getattr(error, 'problem', error)})"
        ) from None
    if not isinstance(data, dict):
        raise LessonError(str(path), "", "must be a YAML mapping")
    return data


def _check_slug(value: Any, where: str, field_name: str, expected: str | None = None) -> str:
    if not isinstance(value, str) or not SLUG_RE.fullmatch(value) or len(value) > SLUG_MAX:
        raise LessonError(where, field_name, "must be lower-case letters, digits and hyphens")
    if expected is not None and value != expected:
        raise LessonError(where, field_name, f"must be {expected!r} (the file or folder name)")
    return value


def _check_image(folder: Path, name: Any, where: str, field_name: str) -> str:
    if not isinstance(name, str) or "/" in name or not name.endswith(".svg"):
        raise LessonError(where, field_name, "must be the name of an .svg file in images/")
    path = folder / "images" / name
    if not path.is_file():
        raise LessonError(where, field_name, f"images/{name} does not exist")
    data = path.read_bytes()
    if len(data) > IMAGE_MAX_BYTES:
        raise LessonError(where, field_name, f"images/{name} is larger than 8 KB")
    try:
        # defusedxml: no entities, no external references, even in our own files.
        root = defused_fromstring(data)
    except (ParseError, DefusedXmlException):
        raise LessonError(where, field_name, f"images/{name} is not valid SVG") from None
    if root.tag != f"{SVG_NS}svg" or "viewBox" not in root.attrib:
        raise LessonError(where, field_name, f"images/{name} needs an <svg> with a viewBox")
    for element in root.iter():
        tag = element.tag.removeprefix(SVG_NS)
        hrefs = [v for k, v in element.attrib.items() if k.endswith("href")]
        if tag in ("script", "foreignObject", "image") or any(
            h.startswith(("http:", "https:", "data:", "//")) for h in hrefs
        ):
            raise LessonError(where, field_name, f"images/{name} has scripts or outside references")
        if any(k.lower().startswith("on") for k in element.attrib):
            raise LessonError(where, field_name, f"images/{name} has event handlers")
    return name


def _read_lesson(folder: Path, course_slug: str, slug: str) -> Lesson:
    path = folder / f"{slug}.yml"
    where = str(path)
    if not path.is_file():
        raise LessonError(str(folder / "course.yml"), "lessons", f"{slug}.yml does not exist")
    data = _load_yaml(path)
    _check_slug(data.get("slug"), where, "slug", slug)
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 3 <= minutes <= 5:
        raise LessonError(where, "minutes", "must be 3, 4 or 5")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not 3 <= len(raw_steps) <= 7:
        raise LessonError(where, "steps", "needs 3 to 7 cards")
    steps = []
    for index, raw in enumerate(raw_steps):
        spot = f"steps[{index}]"
        if not isinstance(raw, dict):
            raise LessonError(where, spot, "must be a mapping")
        text = read_text(raw, "text", f"{where}: {spot}")
        image = alt = None
        if raw.get("image") is not None:
            image = _check_image(folder, raw["image"], where, f"{spot}.image")
            alt = read_text(raw, "alt", f"{where}: {spot}")
        steps.append(Step(text=text, image=image, alt=alt))
    lesson = Lesson(
        slug=slug,
        course_slug=course_slug,
        minutes=minutes,
        title=read_text(data, "title", where),
        summary=read_text(data, "summary", where),
        steps=tuple(steps),
        quiz=read_quiz(data.get("quiz"), where),
    )
    for lang in LANGS:
        parts = [lesson.title.get(lang), lesson.summary.get(lang)]
        parts += [step.text.get(lang) for step in lesson.steps]
        lesson.search_text[lang] = fold(" ".join(parts).replace("*", ""))
    return lesson


def _read_course(folder: Path, problems: list[LessonError]) -> Course | None:
    path = folder / "course.yml"
    where = str(path)
    try:
        data = _load_yaml(path)
        slug = _check_slug(data.get("slug"), where, "slug", folder.name)
        order = data.get("order")
        if not isinstance(order, int) or isinstance(order, bool):
            raise LessonError(where, "order", "must be a whole number")
        icon = _check_image(folder, data.get("icon"), where, "icon")
        title, summary = read_text(data, "title", where), read_text(data, "summary", where)
        badge = data.get("badge")
        if not isinstance(badge, dict):
            raise LessonError(where, "badge", "is missing")
        skills_raw = badge.get("skills")
        if not isinstance(skills_raw, list) or not 1 <= len(skills_raw) <= 6:
            raise LessonError(where, "badge.skills", "needs 1 to 6 practical skills")
        skills = []
        for index, raw in enumerate(skills_raw):
            spot = f"badge.skills[{index}]"
            if not isinstance(raw, dict):
                raise LessonError(where, spot, "must be a mapping")
            key = _check_slug(raw.get("key"), where, f"{spot}.key")
            if key in {s.key for s in skills}:
                raise LessonError(where, f"{spot}.key", f"{key!r} is used twice")
            skills.append(Skill(key=key, text=read_text({"t": raw}, "t", f"{where}: {spot}")))
        sessions = badge.get("sessions", 1)
        if not isinstance(sessions, int) or isinstance(sessions, bool) or not 0 <= sessions <= 10:
            raise LessonError(where, "badge.sessions", "must be a number from 0 to 10")
        badge_spec = BadgeSpec(
            image=_check_image(folder, badge.get("image"), where, "badge.image"),
            name=read_text(badge, "name", f"{where}: badge"),
            description=read_text(badge, "description", f"{where}: badge"),
            skills=tuple(skills),
            sessions=sessions,
        )
        listed = data.get("lessons")
        if not isinstance(listed, list) or len(listed) < 1:
            raise LessonError(where, "lessons", "must list the course's lessons")
    except LessonError as error:
        problems.append(error)
        return None
    lessons = []
    for index, lesson_slug in enumerate(listed):
        try:
            _check_slug(lesson_slug, where, f"lessons[{index}]")
            lessons.append(_read_lesson(folder, slug, lesson_slug))
        except LessonError as error:
            problems.append(error)
    present = {p.stem for p in folder.glob("*.yml")} - {"course"}
    for orphan in sorted(present - set(map(str, listed))):
        problems.append(
            LessonError(str(folder / f"{orphan}.yml"), "", "is not listed in course.yml")
        )
    return Course(
        slug=slug,
        order=order,
        icon=icon,
        title=title,
        summary=summary,
        lessons=tuple(lessons),
        badge=badge_spec,
    )


def load_catalogue(root: str | os.PathLike) -> Catalogue:
    """Read and check every course under ``root``; raise ``CatalogueError`` on problems."""
    root = Path(root)
    problems: list[LessonError] = []
    courses = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        course = _read_course(folder, problems)
        if course is not None:
            courses.append(course)
    seen: dict[str, str] = {}
    for course in courses:
        for lesson in course.lessons:
            if lesson.slug in seen or lesson.slug in {c.slug for c in courses}:
                problems.append(
                    LessonError(
                        str(root / course.slug / f"{lesson.slug}.yml"),
                        "slug",
                        f"{lesson.slug!r} is also used in {seen.get(lesson.slug, 'a course name')}",
                    )
                )
            seen[lesson.slug] = course.slug
    if not courses and not problems:
        problems.append(LessonError(str(root), "", "holds no courses"))
    if problems:
        raise CatalogueError(problems)
    images = {
        (course.slug, image.name): StoredFile.read(image)
        for course in courses
        for image in (root / course.slug / "images").glob("*.svg")
    }
    return Catalogue(
        courses=tuple(sorted(courses, key=lambda c: (c.order, c.slug))),
        root=root,
        images=images,
    )


def lessons_dir() -> str:
    configured = current_app.config.get("LESSONS_DIR")
    return configured or os.path.join(os.path.dirname(current_app.root_path), "lessons")


_loaded: dict[str, tuple[tuple, Catalogue]] = {}


def _signature(root: str) -> tuple:
    return tuple(
        sorted(
            (str(path), path.stat().st_mtime_ns) for path in Path(root).rglob("*") if path.is_file()
        )
    )


def get_catalogue() -> Catalogue:
    """The app's catalogue, read on first use and kept for the life of the process.

    Apps of one process that read the same unchanged folder share one parsed copy.
    """
    catalogue = current_app.extensions.get("lessons")
    if catalogue is None:
        root = lessons_dir()
        signature = _signature(root)
        cached = _loaded.get(root)
        if cached is None or cached[0] != signature:
            cached = (signature, load_catalogue(root))
            _loaded[root] = cached
        catalogue = cached[1]
        current_app.extensions["lessons"] = catalogue
    return catalogue

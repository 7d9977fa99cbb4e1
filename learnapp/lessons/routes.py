"""The catalogue, course pages, the lesson reader, search, handouts and pictures.

The reader works without JavaScript: each card and quiz question is a page, and
Next/Answer are form posts. With JavaScript (static/js/reader.js) the same page flips
cards and judges answers on the phone, with no round trip, and sends the events
through the offline queue to /api/v1/sync.
"""

from __future__ import annotations

import uuid

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from learnapp.core.htmx import render_page
from learnapp.core.urls import safe_next
from learnapp.extensions import db
from learnapp.lessons import services
from learnapp.lessons.loader import Course, Lesson, get_catalogue

bp = Blueprint("lessons", __name__, template_folder="templates", url_prefix="/lessons")

VISITOR_KEY = services.VISITOR_KEY
QUIZ_KEY = "quiz"


def _lang() -> str:
    return str(get_locale())


def current_progress() -> dict[str, services.ProgressView]:
    """The reader's progress: their account's, or the visitor's on this device."""
    if current_user.is_authenticated:
        return services.progress_for(current_user)
    return services.visitor_progress(session.get(VISITOR_KEY, {}))


def record(data: dict) -> services.Outcome:
    """Record an event for the signed-in learner, or on the visitor's device."""
    catalogue = get_catalogue()
    if current_user.is_authenticated:
        outcome = services.record_event(current_user, catalogue, data)
        db.session.commit()
        return outcome
    store = dict(session.get(VISITOR_KEY, {}))
    outcome = services.visitor_record(store, catalogue, data)
    session[VISITOR_KEY] = store
    return outcome


def _course_or_404(course_slug: str) -> Course:
    course = get_catalogue().course(course_slug)
    if course is None:
        abort(404)
    return course


def _lesson_or_404(course_slug: str, lesson_slug: str) -> tuple[Course, Lesson]:
    """The course and lesson named in the URL; 404 when either does not exist."""
    course = _course_or_404(course_slug)
    lesson = course.lesson(lesson_slug)
    if lesson is None:
        abort(404)
    return course, lesson


@bp.app_template_global()
def new_uuid() -> str:
    """A fresh id for a form, so that a double tap or a re-sent form records once."""
    return str(uuid.uuid4())


@bp.app_template_global()
def lesson_image_url(course_slug: str, name: str, external: bool = False) -> str:
    stored = get_catalogue().images.get((course_slug, name))
    return url_for(
        "lessons.image",
        course_slug=course_slug,
        name=name,
        v=stored.digest if stored else "0",
        _external=external,
    )


@bp.get("/")
def catalogue():
    catalogue = get_catalogue()
    progress = current_progress()
    return render_template(
        "lessons/catalogue.html",
        courses=catalogue.courses,
        progress=progress,
        lang=_lang(),
        done={c.slug: services.completed_count(c, progress) for c in catalogue.courses},
        resume={c.slug: services.resume_point(c, progress) for c in catalogue.courses},
    )


@bp.get("/search")
def search():
    query = request.args.get("q", "").strip()[:100]
    results = get_catalogue().search(query, _lang()) if query else []
    return render_page(
        "lessons/search.html", "lessons/_results.html", q=query, results=results, lang=_lang()
    )


@bp.get("/<course_slug>/")
def course(course_slug: str):
    course = _course_or_404(course_slug)
    progress = current_progress()
    return render_template(
        "lessons/course.html",
        course=course,
        progress=progress,
        lang=_lang(),
        done=services.completed_count(course, progress),
        resume=services.resume_point(course, progress),
        offline_plan=_offline_plan(course),
    )


def _offline_plan(course: Course) -> dict[str, list[str]]:
    """Everything a phone needs to learn ``course`` with no connection."""
    pages = [url_for("lessons.catalogue"), url_for("lessons.course", course_slug=course.slug)]
    images = {course.icon, course.badge.image}
    for lesson in course.lessons:
        here = {"course_slug": course.slug, "lesson_slug": lesson.slug}
        pages += [url_for("lessons.lesson", **here), url_for("lessons.handout", **here)]
        images.update(step.image for step in lesson.steps if step.image)
    images_urls = [lesson_image_url(course.slug, name) for name in sorted(images)]
    return {"pages": pages, "images": images_urls}


def _quiz_attempt(lesson: Lesson) -> list[str]:
    attempt = session.get(QUIZ_KEY) or {}
    return list(attempt.get("answers", [])) if attempt.get("lesson") == lesson.slug else []


@bp.get("/<course_slug>/<lesson_slug>")
def lesson(course_slug: str, lesson_slug: str):
    course, lesson = _lesson_or_404(course_slug, lesson_slug)
    step = request.args.get("step", "")
    answers = _quiz_attempt(lesson)
    question = 0
    if step == "quiz":
        try:
            question = int(request.args.get("q", len(answers)))
        except ValueError:
            question = len(answers)
        question = max(0, min(question, len(answers), len(lesson.quiz.questions) - 1))
    elif step == "result":
        if len(answers) < len(lesson.quiz.questions):
            step = "quiz"
            question = min(len(answers), len(lesson.quiz.questions) - 1)
    elif step.isdigit() and 1 <= int(step) <= len(lesson.steps):
        step = int(step)
    else:
        step = 0
    progress = current_progress().get(lesson.slug)
    score = lesson.quiz.score(answers) if len(answers) == len(lesson.quiz.questions) else None
    index = course.index_of(lesson.slug)
    context = {
        "course": course,
        "lesson": lesson,
        "lang": _lang(),
        "step": step,
        "question": question,
        "answers": answers,
        "score": score,
        "next_lesson": course.lessons[index + 1] if index + 1 < len(course.lessons) else None,
    }
    first_visit = step == 0 and not answers
    return render_template(
        "lessons/lesson.html",
        progress=progress,
        panels=_panels(context) if first_visit else None,
        **context,
    )


# The panels of a lesson at its first visit, per lesson and language, with stand-ins for
# what differs per page: the CSRF token and each form's event id. They are most of the
# lesson page's rendering time, and every learner's first page (docs/performance.md).
_TOKEN, _EVENT_ID = "@@hvs-csrf-token@@", "@@hvs-event-id@@"
_panel_cache: dict[tuple, tuple[Lesson, str]] = {}


def _panels(context: dict) -> Markup:
    lesson = context["lesson"]
    key = (context["course"].slug, lesson.slug, context["lang"], str(get_locale()))
    cached = _panel_cache.get(key)
    if cached is None or cached[0] is not lesson:  # first use, or the lessons were reloaded
        html = render_template(
            "lessons/_panels.html", token=_TOKEN, new_uuid=lambda: _EVENT_ID, **context
        )
        cached = _panel_cache[key] = (lesson, html)
    parts = cached[1].replace(_TOKEN, str(Markup.escape(generate_csrf()))).split(_EVENT_ID)
    ids = (str(uuid.uuid4()) for _ in parts[1:])
    # Safe: our own template's output (escaped there), with a token and uuids put in.
    return Markup("".join(part + next(ids, "") for part in parts))  # noqa: S704  # nosec B704


@bp.post("/<course_slug>/<lesson_slug>")
def act(course_slug: str, lesson_slug: str):
    """Form posts of the reader without JavaScript: start, next card, answer, retry."""
    course, lesson = _lesson_or_404(course_slug, lesson_slug)
    action = request.form.get("action", "")
    event_id = request.form.get("event_id", "")
    base = {"id": event_id, "course": course.slug, "lesson": lesson.slug}
    here = {"course_slug": course.slug, "lesson_slug": lesson.slug}
    if action == "start":
        record({**base, "kind": "opened"})
        return redirect(url_for("lessons.lesson", step=1, **here), 303)
    if action == "next":
        step = request.form.get("step", "")
        if not step.isdigit() or not 1 <= int(step) <= len(lesson.steps):
            abort(400)
        record({**base, "kind": "step", "step": int(step)})
        if int(step) == len(lesson.steps):
            session.pop(QUIZ_KEY, None)
            return redirect(url_for("lessons.lesson", step="quiz", q=0, **here), 303)
        return redirect(url_for("lessons.lesson", step=int(step) + 1, **here), 303)
    if action == "answer":
        return _answer(lesson, base, here)
    if action == "retry":
        session.pop(QUIZ_KEY, None)
        return redirect(url_for("lessons.lesson", step="quiz", q=0, **here), 303)
    abort(400)


def _answer(lesson: Lesson, base: dict, here: dict):
    answers = _quiz_attempt(lesson)
    question = request.form.get("question", "")
    answer = request.form.get("answer", "")
    total = len(lesson.quiz.questions)
    if not question.isdigit() or int(question) >= total:
        abort(400)
    index = int(question)
    if index == len(answers):  # a replayed post of an answered question changes nothing
        if lesson.quiz.questions[index].judge(answer) is None:
            flash(_("Please choose an answer."), "error")
            return redirect(url_for("lessons.lesson", step="quiz", q=index, **here), 303)
        record({**base, "kind": "answer", "question": index, "answer": answer})
        answers.append(answer)
        session[QUIZ_KEY] = {"lesson": lesson.slug, "answers": answers}
        if len(answers) == total:
            quiz_id = uuid.uuid5(uuid.UUID(services.canonical_uuid(base["id"])), "quiz")
            record({**base, "id": str(quiz_id), "kind": "quiz", "answers": answers})
    return redirect(url_for("lessons.lesson", step="quiz", q=index, **here), 303)


@bp.get("/<course_slug>/<lesson_slug>/handout")
def handout(course_slug: str, lesson_slug: str):
    course, lesson = _lesson_or_404(course_slug, lesson_slug)
    return render_template("lessons/handout.html", course=course, lesson=lesson, lang=_lang())


@bp.get("/<course_slug>/images/<name>")
def image(course_slug: str, name: str):
    stored = get_catalogue().images.get((course_slug, name))
    if stored is None:
        abort(404)
    return stored.response(request.args.get("v"))


@bp.post("/merge")
@login_required
def merge():
    """Keep (or drop) what a visitor did on this device before signing in."""
    store = session.pop(VISITOR_KEY, {})
    if request.form.get("keep") == "1" and store:
        merged = services.merge_visitor_progress(current_user, get_catalogue(), store)
        db.session.commit()
        flash(
            _("Your progress from before you signed in is saved: %(n)d lessons.", n=merged),
            "success",
        )
    return redirect(safe_next(request.form.get("next")) or url_for("lessons.catalogue"), 303)

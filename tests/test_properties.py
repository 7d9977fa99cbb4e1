"""Property-based tests (hypothesis): whatever a phone, a printed code, a lesson author or
another system sends, the app answers with a clear refusal or does the work, never a 500
and never half of a write."""

import json
import shutil
import string
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from learnapp.attendance.models import CheckIn
from learnapp.auth.phone import InvalidPhone, normalise_phone
from learnapp.extensions import db as _db
from learnapp.lessons.loader import CatalogueError, load_catalogue
from learnapp.lessons.models import ProgressEvent

ROOT = Path(__file__).resolve().parents[1]
# Each example runs on the one database of the test (rows pile up: the checks count what
# one example added); a few dozen examples per property keep `make test` quick.
web = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Phone numbers ---------------------------------------------------------------------

mobile = st.builds(
    lambda prefix, rest: "0" + prefix + rest,
    st.sampled_from("35789"),
    st.text(string.digits, min_size=8, max_size=8),
)
separator = st.sampled_from(["", " ", ".", "-", "  "])


@given(st.text())
def test_any_text_is_a_phone_number_or_refused(raw):
    try:
        phone = normalise_phone(raw)
    except InvalidPhone:
        return
    assert phone.isascii() and phone.isdigit() and phone.startswith("0")
    assert len(phone) in (10, 11)
    assert normalise_phone(phone) == phone


@given(mobile, st.sampled_from(["", "+84", "84", "0084"]), separator, separator)
def test_every_way_of_writing_a_number_is_one_number(phone, country, sep1, sep2):
    national = phone[1:] if country else phone
    written = f"{country}{national[:3]}{sep1}{national[3:6]}{sep2}{national[6:]}"
    assert normalise_phone(written) == phone


# --- The lesson loader -----------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def _paths(data, prefix=()):
    """Every place in a parsed YAML document: (path to it, its value)."""
    yield prefix, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


def _replace(data, path, value):
    if not path:
        return value
    holder = data
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return data


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory):
    """One real course, copied, for an author's mistakes to be made in."""
    root = tmp_path_factory.mktemp("lessons")
    shutil.copytree(ROOT / "lessons" / "thanh-toan", root / "thanh-toan")
    return root


def _load(root: Path) -> None:
    try:
        load_catalogue(root)
    except CatalogueError as error:
        assert error.problems and all(str(p) for p in error.problems)


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_lesson_with_any_value_anywhere_loads_or_is_explained(course_copy, data):
    lesson = course_copy / "thanh-toan" / "quet-vietqr.yml"
    original = lesson.read_text(encoding="utf-8")
    parsed = yaml.safe_load(original)
    places = [path for path, _value in _paths(parsed)]
    path = data.draw(st.sampled_from(places), label="where")
    value = data.draw(json_values, label="value")
    try:
        lesson.write_text(yaml.safe_dump(_replace(parsed, path, value), allow_unicode=True))
        _load(course_copy)
    finally:
        lesson.write_text(original, encoding="utf-8")


@settings(max_examples=40, deadline=None)
@given(cut=st.integers(min_value=0), junk=st.text(max_size=20))
def test_a_lesson_file_cut_or_garbled_loads_or_is_explained(course_copy, cut, junk):
    lesson = course_copy / "thanh-toan" / "quet-vietqr.yml"
    original = lesson.read_text(encoding="utf-8")
    at = cut % (len(original) + 1)
    try:
        lesson.write_text(original[:at] + junk + original[at + len(junk) :], encoding="utf-8")
        _load(course_copy)
    finally:
        lesson.write_text(original, encoding="utf-8")


# --- Tokens in links, codes and headers -------------------------------------------------

url_safe = string.ascii_letters + string.digits + "-_"
token_text = st.text(max_size=80) | st.text(url_safe, max_size=64)


@web
@given(token=token_text)
def test_any_token_in_a_link_gets_an_answer_not_a_crash(client, places, token):
    quoted = quote(token, safe="") or "x"
    for path in (f"/c/{quoted}", f"/u/{quoted}", f"/b/{quoted}", f"/b/{quoted}.json"):
        # Followed to the end: "%2F" is a slash to Werkzeug, and "/c//" redirects (308)
        # to "/c/"; a sign-in page is an answer too.
        response = client.get(path, follow_redirects=True)
        assert response.status_code in (200, 400, 404, 410), (path, response.status_code)


@web
@given(token=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80))
def test_any_api_token_is_refused_with_json(client, places, token):
    response = client.get("/api/v1/coverage/25", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.is_json and response.json["status"] == 401


# --- The sync API ----------------------------------------------------------------------

EVENT_TYPES = [
    "lesson.opened",
    "lesson.step",
    "lesson.answer",
    "lesson.quiz",
    "checkin.token",
    "checkin.card",
    "checkin.manual",
    "checkin.register",
]
field_values = (
    st.none()
    | st.integers(min_value=-3, max_value=12)
    | st.integers()
    | st.text(max_size=12)
    | st.sampled_from(["thanh-toan", "quet-vietqr", "an-toan-mang", "1", "a"])
    | st.lists(st.integers(min_value=-1, max_value=4), max_size=5)
    | json_values
)
event = st.fixed_dictionaries(
    {"id": st.uuids().map(str) | st.text(max_size=40) | st.integers()},
    optional={
        "type": st.sampled_from(EVENT_TYPES) | st.text(max_size=10),
        "course": field_values,
        "lesson": field_values,
        "step": field_values,
        "question": field_values,
        "answer": field_values,
        "answers": field_values,
        "score": field_values,
        "token": field_values,
        "card": field_values,
        "session": field_values,
        "name": field_values,
        "at": field_values | st.datetimes().map(lambda d: d.isoformat()),
        "who": st.sampled_from(["", "1", "2"]) | field_values,
    },
)
batch = st.lists(event | json_values, max_size=8)


def _rows(model) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def resident_client(client, make_user, login):
    login(make_user())
    return client


@web
@given(events=batch)
def test_any_batch_is_answered_event_by_event_and_only_recorded_ones_written(
    resident_client, events
):
    before = _rows(ProgressEvent), _rows(CheckIn)
    response = resident_client.post("/api/v1/sync", json={"events": events})
    if "\\u0000" in json.dumps(events):  # never meant, and PostgreSQL refuses it: all refused
        assert response.status_code == 400 and response.json["error"]
        assert (_rows(ProgressEvent), _rows(CheckIn)) == before
        return
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    results = response.json["results"]
    assert len(results) == len(events)
    for result in results:
        assert result["status"] in ("recorded", "duplicate", "rejected", "deferred")
        if result["status"] in ("rejected", "deferred"):
            assert result["reason"]
    recorded = [e for e, r in zip(events, results, strict=True) if r["status"] == "recorded"]
    lessons = sum(1 for e in recorded if str(e.get("type")).startswith("lesson."))
    check_ins = len(recorded) - lessons
    assert (_rows(ProgressEvent) - before[0], _rows(CheckIn) - before[1]) == (lessons, check_ins)
    # Sent again (the phone did not hear the answer): nothing more is written.
    again = resident_client.post("/api/v1/sync", json={"events": events})
    assert again.status_code == 200
    assert (_rows(ProgressEvent) - before[0], _rows(CheckIn) - before[1]) == (lessons, check_ins)


@web
@given(body=json_values)
def test_any_json_body_is_answered_with_a_reason(resident_client, body):
    response = resident_client.post(
        "/api/v1/sync", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code in (200, 400, 413)
    if response.status_code != 200:
        assert response.json["error"]


def test_a_valid_lesson_event_is_recorded_under_the_same_property(resident_client):
    """The property above is not vacuous: well-formed events do get recorded."""
    event = {
        "id": str(uuid.uuid4()),
        "type": "lesson.step",
        "course": "thanh-toan",
        "lesson": "quet-vietqr",
        "step": 2,
    }
    response = resident_client.post("/api/v1/sync", json={"events": [event]})
    assert response.json["results"][0]["status"] == "recorded"
    assert _rows(ProgressEvent) == 1

"""/api/v1/sync: batches of device events, each recorded once, bad ones explained."""

import uuid

from sqlalchemy import func, select

from learnapp.extensions import db as _db
from learnapp.lessons.models import ProgressEvent


def _step(step=1, **extra):
    return {
        "id": str(uuid.uuid4()),
        "type": "lesson.step",
        "course": "thanh-toan",
        "lesson": "quet-vietqr",
        "step": step,
        **extra,
    }


def _events() -> int:
    return _db.session.scalar(select(func.count()).select_from(ProgressEvent))


def test_a_batch_is_recorded_and_a_replay_is_harmless(client, make_user, login):
    login(make_user())
    batch = {"events": [_step(1), _step(2)]}
    first = client.post("/api/v1/sync", json=batch)
    assert first.status_code == 200
    assert [r["status"] for r in first.json["results"]] == ["recorded", "recorded"]
    again = client.post("/api/v1/sync", json=batch)
    assert [r["status"] for r in again.json["results"]] == ["duplicate", "duplicate"]
    assert _events() == 2


def test_a_bad_event_is_rejected_and_the_rest_kept(client, make_user, login):
    login(make_user())
    good, bad = _step(1), _step(99)
    response = client.post(
        "/api/v1/sync", json={"events": [good, bad, "nonsense", {"type": "x", "id": "y"}]}
    )
    results = response.json["results"]
    assert [r["status"] for r in results] == ["recorded", "rejected", "rejected", "rejected"]
    assert results[0]["id"] == good["id"] and results[1]["id"] == bad["id"]
    assert "không có thẻ đó" in results[1]["reason"]
    assert _events() == 1


def test_reasons_follow_the_language(client, make_user, login):
    login(make_user())
    response = client.post("/api/v1/sync?lang=en", json={"events": [_step(99)]})
    assert response.json["results"][0]["reason"] == "There is no such card in this lesson."


def test_not_json(client):
    response = client.post("/api/v1/sync", data="events=1")
    assert response.status_code == 415
    assert "JSON" in response.json["error"]


def test_malformed_json_bodies(client):
    for body in ('{"events": 3}', "[]", "{bad json", '"text"'):
        response = client.post("/api/v1/sync", data=body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.is_json


def test_oversized_batch_is_refused(client, make_user, login):
    login(make_user())
    response = client.post("/api/v1/sync", json={"events": [_step(1) for _ in range(201)]})
    assert response.status_code == 413
    assert _events() == 0


def test_visitors_progress_is_kept_on_their_device(client):
    response = client.post("/api/v1/sync", json={"events": [_step(3)]})
    assert response.json == {
        "results": [{"id": response.json["results"][0]["id"], "status": "recorded"}],
        "signed_in": False,
    }
    assert _events() == 0
    with client.session_transaction() as session:
        assert session["visitor_progress"]["quet-vietqr"][1] == 3


def test_get_is_not_allowed(client):
    response = client.get("/api/v1/sync")
    assert response.status_code == 405
    assert response.is_json

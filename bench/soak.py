"""Soak: mixed traffic for a bounded time against the production server (granian, one
worker per core), then a check of the database: nothing lost, nothing duplicated, figures
still true.

Traffic, on loopback only, for ``--seconds`` (default 60):

- readers: lesson pages, the catalogue and a course page, as visitors;
- learners: signed-in residents sending lesson events through ``/api/v1/sync`` in small
  batches; half the batches are sent again (the phone did not hear the answer) and one in
  five is sent from two connections at once (two tabs, or a retry racing the original);
- the door: trainers' phones scanning residents' cards (``checkin.card``) in bursts, every
  resident scanned by two phones, and each scan replayed.

Afterwards the database is checked: every event the server acknowledged (recorded or
duplicate) is stored exactly once, every scanned resident is checked in exactly once, no
response was a 5xx, and the dashboards' summary tables equal a rebuild from the records
(``flask stats rebuild``), i.e. the counters kept by concurrent writers are right.

    .venv/bin/python bench/soak.py [--db sqlite|postgres] [--seconds 60] [--workers 2]

Figures go to bench/results/soak.json. The script exits 1 only on a correctness failure
(a lost or duplicated record, a 5xx, counters that disagree), never on a time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common
from bench.checkin_burst import Phone

PIN = common.PIN
LESSON = ("thanh-toan", "quet-vietqr", 6)  # course, lesson, cards
PAGES = ["/lessons/thanh-toan/quet-vietqr", "/lessons/", "/lessons/an-toan-mang/"]


def seed(env: dict[str, str], learners: int, residents: int, trainers: int) -> dict:
    """A commune with ``trainers`` trainers and a session running now; ``learners``
    residents with phones and PINs; ``residents`` more with printed cards only."""
    return common.seed_commune(env, trainers=trainers, learners=learners, residents=residents)


def visitor(base: str, cookies: dict | None = None) -> Phone:
    """A phone's connection to the server, signed in only if given its cookies."""
    parts = urlsplit(base)
    phone = Phone.__new__(Phone)
    phone.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    phone.cookies = dict(cookies or {})
    return phone


class Resident(Phone):
    """A resident's phone, signed in with phone number and PIN."""

    def __init__(self, base: str, phone: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        self.cookies = {}
        page = self.request("GET", "/login")[1]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urlencode({"csrf_token": token, "phone": phone, "secret": PIN})
        status, _ = self.request(
            "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302, f"resident sign-in failed ({status})"

    def twin(self, base: str) -> Phone:
        """A second connection with the same cookies (another tab of the same phone)."""
        return visitor(base, self.cookies)


class Tally:
    """What the clients saw, shared by their threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = {}
        self.http: dict[str, int] = {}
        self.server_errors: list[str] = []
        self.acked_events: set[str] = set()
        self.scanned_cards: set[str] = set()
        self.statuses: dict[str, int] = {}

    def seen(self, kind: str, status: int, elapsed_ms: float, where: str) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(elapsed_ms)
            self.http[str(status)] = self.http.get(str(status), 0) + 1
            if status >= 500:
                self.server_errors.append(f"{status} {where}")


def _timed(phone, kind: str, tally: Tally, method: str, path: str, body=None, headers=None):
    started = time.perf_counter()
    status, text = phone.request(method, path, body, headers)
    tally.seen(kind, status, (time.perf_counter() - started) * 1000, path)
    return status, text


def _sync(phone, kind: str, tally: Tally, events: list[dict]) -> dict:
    status, text = _timed(
        phone,
        kind,
        tally,
        "POST",
        "/api/v1/sync",
        json.dumps({"events": events}),
        {"Content-Type": "application/json"},
    )
    return json.loads(text) if status == 200 else {}


def reader(base: str, stop: float, tally: Tally) -> None:
    phone = visitor(base)
    while time.time() < stop:
        _timed(phone, "lesson page", tally, "GET", random.choice(PAGES))


def learner(base: str, phone_number: str, stop: float, tally: Tally) -> None:
    course, lesson, cards = LESSON
    phone = Resident(base, phone_number)
    while time.time() < stop:
        events = [
            {
                "id": str(uuid.uuid4()),
                "type": "lesson.step",
                "course": course,
                "lesson": lesson,
                "step": random.randint(1, cards),
            }
            for _ in range(random.randint(1, 5))
        ]
        roll = random.random()
        if roll < 0.2:  # two connections send the same batch at the same moment
            other = phone.twin(base)
            answers: list[dict] = []
            racer = threading.Thread(
                target=lambda o=other, e=events, a=answers: a.append(
                    _sync(o, "sync (raced)", tally, e)
                )
            )
            racer.start()
            answers.append(_sync(phone, "sync (raced)", tally, events))
            racer.join()
        else:
            answers = [_sync(phone, "sync", tally, events)]
            if roll < 0.6:  # the answer was lost: the phone sends the batch again
                answers.append(_sync(phone, "sync (replay)", tally, events))
        with tally.lock:
            for answer in answers:
                for result in answer.get("results", []):
                    tally.statuses[result["status"]] = tally.statuses.get(result["status"], 0) + 1
                    if result["status"] in ("recorded", "duplicate"):
                        tally.acked_events.add(result["id"])


def door(base: str, trainer_phone: str, session: int, cards: list[str], tally: Tally) -> None:
    """One trainer's phone scanning its queue of cards, each scan sent twice."""
    phone = Phone(base, trainer_phone, common.STAFF_PASSWORD)
    for card in cards:
        event = {
            "id": str(uuid.uuid4()),
            "type": "checkin.card",
            "session": session,
            "card": f"/u/{card}",
        }
        for attempt in ("scan", "scan (replay)"):
            answer = _sync(phone, f"check-in {attempt}", tally, [event])
            for result in answer.get("results", []):
                with tally.lock:
                    key = f"check-in {result['status']}"
                    tally.statuses[key] = tally.statuses.get(key, 0) + 1
                    if result["status"] in ("recorded", "duplicate"):
                        tally.scanned_cards.add(card)


def doors(base: str, seeded: dict, stop: float, tally: Tally) -> None:
    """Bursts at the door until the time is up: every card is in two trainers' queues."""
    cards = list(seeded["cards"])
    random.shuffle(cards)
    trainers = seeded["trainers"]
    bursts = max(1, len(cards) // 60)
    for number in range(bursts):
        if time.time() >= stop:
            break
        group = cards[number::bursts]
        queues = [group[i :: len(trainers)] for i in range(len(trainers))]
        # Each card also waits in the next trainer's queue: two phones scan one person.
        queues = [queues[i] + queues[(i + 1) % len(queues)] for i in range(len(queues))]
        threads = [
            threading.Thread(target=door, args=(base, t, seeded["session"], q, tally))
            for t, q in zip(trainers, queues, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        time.sleep(1.0)


CHECK = r"""
import json, sys
from sqlalchemy import func, select, text
from learnapp import create_app
from learnapp.attendance.models import CheckIn
from learnapp.auth.models import User
from learnapp.extensions import db
from learnapp.lessons.models import ProgressEvent

acked, cards, session = json.load(sys.stdin)
app = create_app()
with app.app_context():
    stored = db.session.execute(
        select(ProgressEvent.client_uuid, func.count()).group_by(ProgressEvent.client_uuid)
    ).all()
    counts = dict(stored)
    present = db.session.execute(
        select(User.card_token, func.count()).join(CheckIn, CheckIn.user_id == User.id)
        .where(CheckIn.session_id == session).group_by(User.card_token)
    ).all()
    checked = dict(present)
    summaries = {}
    # Table, and how many of its first columns are its key (the rest are counters).
    for name, keys in (("area_daily", 3), ("area_active", 2), ("last_active", None)):
        rows = db.session.execute(text(f"SELECT * FROM {name}")).all()
        # A counter at zero and no row say the same.
        summaries[name] = sorted(
            [str(v) for v in row] for row in rows if keys is None or any(row[keys:])
        )
    db.session.rollback()
    print(json.dumps({
        "events_acknowledged": len(acked),
        "events_lost": sum(1 for a in acked if counts.get(a, 0) == 0),
        "events_stored_twice": sum(1 for c in counts.values() if c > 1),
        "events_in_database": len(counts),
        "cards_acknowledged": len(cards),
        "check_ins_lost": sum(1 for c in cards if checked.get(c, 0) == 0),
        "check_ins_twice": sum(1 for c in checked.values() if c > 1),
        "check_ins_in_database": sum(checked.values()),
        "summaries": summaries,
    }))
"""


def check_database(env: dict[str, str], tally: Tally, session: int) -> dict:
    """Counts from the database, then the summary tables before and after a rebuild."""

    def run() -> dict:
        result = subprocess.run(
            [str(common.BIN / "python"), "-c", CHECK],
            input=json.dumps([sorted(tally.acked_events), sorted(tally.scanned_cards), session]),
            cwd=common.ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(result.stdout.strip().splitlines()[-1])

    counts = run()
    subprocess.run(
        [str(common.BIN / "flask"), "stats", "rebuild"],
        cwd=common.ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    rebuilt = run()["summaries"]
    kept = counts.pop("summaries")
    counts["summary_rows"] = {name: len(rows) for name, rows in kept.items()}
    counts["summary_equals_rebuild"] = kept == rebuilt
    counts["summary_tables_differing"] = [name for name in kept if kept[name] != rebuilt[name]]
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--learners", type=int, default=12)
    parser.add_argument("--trainers", type=int, default=4)
    parser.add_argument("--residents", type=int, default=600)
    options = parser.parse_args()
    random.seed(2026)

    instance = common.temp_instance()
    url = common.database_url(options.db, instance)
    env = common.environment(url, instance)
    common.reset_database(url, env)
    seeded = seed(env, options.learners, options.residents, options.trainers)
    tally = Tally()
    with common.server(
        env, workers=options.workers, threads=options.threads, port=common.free_port()
    ) as base:
        started = time.time()
        stop = started + options.seconds
        threads = [
            threading.Thread(target=reader, args=(base, stop, tally))
            for _ in range(options.readers)
        ]
        threads += [
            threading.Thread(target=learner, args=(base, phone, stop, tally))
            for phone in seeded["learners"]
        ]
        threads.append(threading.Thread(target=doors, args=(base, seeded, stop, tally)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.time() - started
    database = check_database(env, tally, seeded["session"])
    requests = sum(len(v) for v in tally.latency.values())
    correct = (
        not tally.server_errors
        and database["events_lost"] == 0
        and database["events_stored_twice"] == 0
        and database["check_ins_lost"] == 0
        and database["check_ins_twice"] == 0
        and database["summary_equals_rebuild"]
    )
    data = {
        "database": options.db,
        "server": f"{common.server_name()} {options.workers}×{options.threads}",
        "clients": {
            "readers": options.readers,
            "learners": options.learners,
            "trainers": options.trainers,
            "residents_at_the_door": options.residents,
        },
        "seconds": round(wall, 1),
        "requests": requests,
        "requests_per_second": round(requests / wall, 1),
        "http_statuses": tally.http,
        "results": tally.statuses,
        "by_kind": {kind: common.summary(values) for kind, values in sorted(tally.latency.items())},
        "database_check": database,
        "server_errors": tally.server_errors[:10],
        "correct": correct,
    }
    path = common.record("soak", options.db, data)
    print(json.dumps(data, ensure_ascii=False, indent=2))
    print(f"recorded in {path}")
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())

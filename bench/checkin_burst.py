"""A check-in burst at the door: N phones scanning residents' cards at once.

300 check-ins from 50 concurrent clients (each a trainer's phone sending one scan per
request through /api/v1/sync) against the production server with several workers, then
the whole burst replayed (phones retrying). Checks the database afterwards: exactly one
row per resident, nothing lost, nothing duplicated, no errors; records latency
percentiles.

    .venv/bin/python bench/checkin_burst.py [--db sqlite|postgres] [--clients 50]
        [--checkins 300] [--workers 2] [--threads 4] [--pace 1] [--start spread|together]

Each phone scans a card every ``--pace`` seconds (0: as fast as the server answers).
``--start spread``: each phone's first scan comes at a random moment of the first
interval, as phones at a door do (the budget's case); ``together``: all 50 phones send
at the same instant, every time (the worst case, a thundering herd).

It measures and records (bench/results/checkin_burst.json); it fails only when a
check-in is lost or duplicated, or a request errs (correctness, not speed).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import sys
import threading
import time
import uuid
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from bench import common

SERVER = common.server_name()


def seed(env: dict[str, str], residents: int) -> dict:
    """A commune, a trainer, a session running now and ``residents`` residents with cards."""
    seeded = common.seed_commune(env, trainers=1, residents=residents)
    return {"session": seeded["session"], "cards": seeded["cards"], "phone": seeded["trainers"][0]}


class Phone:
    """One trainer's phone: its own connection and sign-in."""

    def __init__(self, base: str, phone: str, password: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.cookies: dict[str, str] = {}
        page = self.request("GET", "/login?as=staff")[1]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urlencode({"csrf_token": token, "phone": phone, "secret": password, "as": "staff"})
        status, _ = self.request(
            "POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        assert status == 302, "sign-in failed"

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.read().decode("utf-8", "replace")

    def sync(self, events: list[dict]) -> tuple[int, dict, float]:
        started = time.perf_counter()
        status, text = self.request(
            "POST",
            "/api/v1/sync",
            json.dumps({"events": events}),
            {"Content-Type": "application/json"},
        )
        elapsed = (time.perf_counter() - started) * 1000
        return status, (json.loads(text) if status == 200 else {}), elapsed


def _client_process(
    base: str,
    phone: str,
    shares: list[list[dict]],
    offsets: list[float],
    pace: float,
    start_at: float,
    queue,
) -> None:
    """One process of the load generator: a few phones, each in its own thread."""
    phones = [Phone(base, phone, common.STAFF_PASSWORD) for _ in shares]
    out: list[tuple[float, int, str, str]] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        time.sleep(max(0.0, start_at + offsets[index] - time.time()))
        for number, event in enumerate(shares[index]):
            if pace and number:
                time.sleep(pace)
            status, answer, elapsed = phones[index].sync([event])
            result = answer.get("results", [{}])[0] if status == 200 else {}
            with lock:
                out.append((elapsed, status, result.get("status", ""), result.get("reason", "")))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(shares))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(out)


def burst(
    base: str,
    seeded: dict,
    clients: int,
    events: list[dict],
    pace: float,
    spread: bool,
    processes: int = 5,
) -> dict:
    """``clients`` phones each send their share of the scans one request at a time, ``pace``
    seconds apart (0: as fast as the server answers), starting at the same instant or
    (``spread``) each at its own moment of the first interval (the same moments every run)."""
    shares = [events[i::clients] for i in range(clients)]
    chance = random.Random(clients)
    offsets = [chance.uniform(0, pace) if spread else 0.0 for _ in shares]
    groups = [shares[i::processes] for i in range(processes)]
    group_offsets = [offsets[i::processes] for i in range(processes)]
    queue = multiprocessing.Queue()
    start_at = time.time() + 2.0 + clients * 0.02  # after every phone has signed in
    workers = [
        multiprocessing.Process(
            target=_client_process,
            args=(base, seeded["phone"], group, group_offsets[number], pace, start_at, queue),
        )
        for number, group in enumerate(groups)
        if group
    ]
    for worker in workers:
        worker.start()
    rows = [row for _ in workers for row in queue.get()]
    for worker in workers:
        worker.join()
    wall = time.time() - start_at
    statuses: dict[str, int] = {}
    errors = []
    for _elapsed, http_status, status, reason in rows:
        if http_status != 200:
            errors.append(f"HTTP {http_status}")
            continue
        statuses[status] = statuses.get(status, 0) + 1
        if status == "rejected":
            errors.append(reason)
    return {
        **common.summary([r[0] for r in rows]),
        "seconds": round(wall, 2),
        "per_second": round(len(rows) / wall, 1),
        "statuses": statuses,
        "errors": errors,
    }


def warm_up(base: str, seeded: dict, requests: int) -> None:
    """A server that has been running a while: every worker has answered a few scans
    (rejected ones: unknown cards), so the burst does not pay for first-use set-up."""
    phones = [Phone(base, seeded["phone"], common.STAFF_PASSWORD) for _ in range(4)]

    def run(phone: Phone) -> None:
        for _ in range(requests):
            phone.sync(
                [
                    {
                        "id": str(uuid.uuid4()),
                        "type": "checkin.card",
                        "session": seeded["session"],
                        "card": "/u/warm-up",
                    }
                ]
            )

    threads = [threading.Thread(target=run, args=(p,)) for p in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def count_rows(env: dict[str, str], session_id: int) -> tuple[int, int]:
    os.environ.update(env)
    from sqlalchemy import func, select

    from learnapp import create_app
    from learnapp.attendance.models import CheckIn
    from learnapp.extensions import db

    app = create_app()
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.session_id == session_id)
        )
        people = db.session.scalar(
            select(func.count(func.distinct(CheckIn.user_id))).where(
                CheckIn.session_id == session_id
            )
        )
        db.engine.dispose()
    return rows, people


def result_key(db: str, pace: float, start: str) -> str:
    return f"{db}, pace {float(pace)} s, {start}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--checkins", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--pace",
        type=float,
        default=1.0,
        help="seconds between two scans of one phone (0: back to back)",
    )
    parser.add_argument(
        "--start",
        choices=["spread", "together"],
        default="spread",
        help="phones start at moments spread over the first interval, or all at once",
    )
    options = parser.parse_args()

    instance = common.temp_instance()
    url = common.database_url(options.db, instance)
    env = common.environment(url, instance)
    common.reset_database(url, env)
    seeded = seed(env, options.checkins)
    events = [
        {
            "id": str(uuid.uuid4()),
            "type": "checkin.card",
            "session": seeded["session"],
            "card": f"/u/{card}",
        }
        for card in seeded["cards"]
    ]
    with common.server(
        env, workers=options.workers, threads=options.threads, port=common.free_port()
    ) as base:
        warm_up(base, seeded, options.workers * options.threads)
        spread = options.start == "spread" and options.pace > 0
        first = burst(base, seeded, options.clients, events, options.pace, spread)
        replay = burst(base, seeded, options.clients, events, options.pace, spread)
    rows, people = count_rows(env, seeded["session"])
    ok = (
        rows == people == options.checkins
        and not first["errors"]
        and not replay["errors"]
        and first["statuses"].get("recorded") == options.checkins
        and replay["statuses"].get("duplicate") == options.checkins
    )
    data = {
        "database": options.db,
        "clients": options.clients,
        "checkins": options.checkins,
        "server": f"{SERVER} {options.workers}×{options.threads}",
        "pace_s": options.pace,
        "start": "spread" if spread else "together",
        "burst": {k: v for k, v in first.items() if k != "errors"},
        "replay": {k: v for k, v in replay.items() if k != "errors"},
        "rows": rows,
        "distinct_people": people,
        "errors": len(first["errors"]) + len(replay["errors"]),
        "correct": ok,
    }
    path = common.record("checkin_burst", result_key(options.db, options.pace, data["start"]), data)
    print(json.dumps(data, ensure_ascii=False, indent=2))
    print(f"recorded in {path}")
    if not ok:
        print("FAILED: " + "; ".join((first["errors"] + replay["errors"])[:5]), file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

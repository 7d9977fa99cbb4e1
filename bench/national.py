"""Coverage dashboards at national scale: a synthetic country, then the pages and the API
timed under the production server (granian), with the naive GROUP BY over the raw
records beside them.

The data set (deterministic, ``--seed``): 34 provinces, ~3,300 communes, ~66,000
residential areas (~70,000 areas); 1,000,000 residents; ~10 million progress events and
the lesson summaries that go with them; ~100,000 sessions and ~3 million check-ins;
~130,000 badges. It is written straight into the tables (COPY on PostgreSQL, executemany
on SQLite), then ``flask stats rebuild`` fills the summary tables, as an operator would
after a restore.

    .venv/bin/python bench/national.py --db sqlite|postgres [--scale 1.0] [--requests 40]

``--scale 0.01`` makes a country a hundred times smaller, for trying the script. Figures
go to bench/results/national-<db>.json; the script never fails on a figure. The generated
country stays in the temporary instance folder it prints: ``--reuse <folder>`` measures it
again without generating it anew (for a run on a quiet machine).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.checkin_burst import Phone
from bench.common import (
    BIN,
    RESULTS,
    ROOT,
    database_url,
    environment,
    free_port,
    reset_database,
    server,
    summary,
)

PROVINCES = 34
COMMUNES_PER_PROVINCE = 98  # 3,332 communes
AREAS_PER_COMMUNE = 20  # 66,640 residential areas
RESIDENTS = 1_000_000
SESSIONS_PER_COMMUNE = 30
CHECK_INS_PER_SESSION = 30
START = datetime(2025, 9, 1)  # the campaign's data begins here
PASSWORD = "bench password 2026"
FMT = "%Y-%m-%d %H:%M:%S.%f"


# --- The data ---------------------------------------------------------------------------


class Country:
    """Ids and facts the generators share (kept small: lists of ints)."""

    def __init__(self, scale: float, seed: int) -> None:
        self.random = random.Random(seed)
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self.span = (self.now - START).total_seconds()
        self.communes_per_province = max(2, round(COMMUNES_PER_PROVINCE * min(1.0, scale * 10)))
        self.residents = max(1000, int(RESIDENTS * scale))
        self.areas: list[tuple] = []
        self.ancestors: list[tuple[int, int]] = []
        self.residential: list[int] = []  # residential area ids
        self.commune_of: dict[int, int] = {}  # residential area -> commune
        self.communes: list[int] = []
        self.codes: dict[int, str] = {}

    def moment(self, after: datetime | None = None) -> datetime:
        begin = after or START
        span = max(1.0, (self.now - begin).total_seconds())
        return begin + timedelta(seconds=self.random.random() * span)


def build_areas(c: Country) -> None:
    now = c.now.strftime(FMT)
    next_id = iter(range(1, 10**9))

    def add(parent: tuple | None, code: str, name: str, kind: str, target: int | None):
        area_id = next(next_id)
        path = (parent[6] if parent else "/") + f"{area_id}/"
        depth = 0 if parent is None else parent[7] + 1
        row = (
            area_id,
            code,
            name,
            name.lower(),
            kind,
            parent[0] if parent else None,
            path,
            depth,
            target,
            0,
            now,
        )
        c.areas.append(row)
        c.codes[area_id] = code
        for part in path.strip("/").split("/"):
            c.ancestors.append((area_id, int(part)))
        return (area_id, code, name, kind, parent, target, path, depth)

    root = add(None, "VN", "Việt Nam", "country", None)
    for p in range(1, PROVINCES + 1):
        province = add(root, f"{p:02d}", f"Tỉnh Mẫu {p:02d}", "province", None)
        for m in range(1, c.communes_per_province + 1):
            code = f"{p:02d}{m:03d}"
            commune = add(province, code, f"Xã Mẫu {code}", "commune", None)
            c.communes.append(commune[0])
            for r in range(1, AREAS_PER_COMMUNE + 1):
                target = c.random.randint(150, 700)
                area = add(commune, f"{code}-{r:03d}", f"Thôn {r}", "residential", target)
                c.residential.append(area[0])
                c.commune_of[area[0]] = commune[0]


def totals(c: Country) -> list[tuple]:
    """Each area's target_total: its own target, else the sum of its children's."""
    by_id = {row[0]: list(row) for row in c.areas}
    for row in sorted(c.areas, key=lambda r: -r[7]):
        own = by_id[row[0]]
        total = own[8] if own[8] is not None else own[9]
        own[9] = total
        if own[5] is not None:
            by_id[own[5]][9] += total
    return [tuple(r) for r in by_id.values()]


def users(c: Country, hashed_pin: str, hashed_password: str):
    """Residents (ids 1…N), then the staff: an admin, one official per province and per
    commune, one trainer per commune."""
    for user_id in range(1, c.residents + 1):
        home = c.residential[c.random.randrange(len(c.residential))]
        created = c.moment().strftime(FMT)
        yield (
            "resident",
            user_id,
            f"Người dân {user_id}",
            f"nguoi dan {user_id}",
            f"03{user_id:08d}",
            hashed_pin,
            home,
            created,
        )
    staff_id = c.residents
    provinces = [r for r in c.areas if r[4] == "province"]
    staff = [("admin", 1, "VN")]
    staff += [("official", r[0], r[1]) for r in provinces]
    staff += [("official", a, c.codes[a]) for a in c.communes]
    staff += [("trainer", a, c.codes[a]) for a in c.communes]
    for role, area_id, code in staff:
        staff_id += 1
        yield (
            role,
            staff_id,
            f"Cán bộ {code} {role}",
            f"can bo {code} {role}",
            f"08{staff_id:08d}",
            hashed_password,
            area_id,
            START.strftime(FMT),
        )


def card(user_id: int) -> str:
    return f"{user_id:032x}"


def learning(c: Country, lessons: list[tuple[str, str, int, int]]):
    """Per resident: lessons touched, with their events and summaries (~10 events each)."""
    count = 0
    for user_id, _home, created in c.learners:
        if c.random.random() < 0.25:
            continue  # registered, never opened a lesson
        touched = c.random.sample(lessons, c.random.randint(1, 6))
        begin = datetime.strptime(created, FMT)
        for course, lesson, cards, questions in touched:
            opened = c.moment(begin)
            at = opened
            events = [("opened", None, None, None, None, at)]
            last = c.random.randint(1, cards)
            for step in range(1, last + 1):
                at += timedelta(seconds=30)
                events.append(("step", step, None, None, None, at))
            completed_at = None
            score = None
            if last == cards and c.random.random() < 0.8:
                for question in range(questions):
                    at += timedelta(seconds=20)
                    events.append(("answer", None, question, "0", True, at))
                score = questions
                events.append(("quiz", None, None, None, None, at))
                completed_at = at
            for kind, step, question, answer, correct, when in events:
                count += 1
                yield (
                    "event",
                    str(uuid.UUID(int=count)),
                    user_id,
                    course,
                    lesson,
                    kind,
                    step,
                    question,
                    answer,
                    correct,
                    score if kind == "quiz" else None,
                    when.strftime(FMT),
                )
            yield (
                "progress",
                user_id,
                course,
                lesson,
                "completed" if completed_at else "started",
                last,
                score,
                questions,
                opened.strftime(FMT),
                completed_at.strftime(FMT) if completed_at else None,
                at.strftime(FMT),
            )


def attendance(c: Country, courses: list[str], trainers: dict[int, int]):
    """Sessions in every commune and check-ins of the commune's residents."""
    by_commune: dict[int, list[int]] = {}
    for user_id, home, _created in c.learners:
        by_commune.setdefault(c.commune_of[home], []).append(user_id)
    places = {}
    for area in c.residential:
        places.setdefault(c.commune_of[area], []).append(area)
    session_id = check_in_id = 0
    for commune in c.communes:
        people = by_commune.get(commune, [])
        for _ in range(SESSIONS_PER_COMMUNE):
            session_id += 1
            starts = c.moment()
            area = c.random.choice(places[commune])
            course = c.random.choice(courses)
            cancelled = starts.strftime(FMT) if c.random.random() < 0.03 else None
            yield (
                "session",
                session_id,
                area,
                f"Buổi học {session_id}",
                "Nhà văn hóa",
                starts.strftime(FMT),
                (starts + timedelta(hours=2)).strftime(FMT),
                f"{session_id:06X}"[-6:],
                uuid.UUID(int=session_id).hex,
                trainers[commune],
                starts.strftime(FMT),
                cancelled,
                course,
            )
            if cancelled:
                continue
            present = c.random.sample(people, min(len(people), CHECK_INS_PER_SESSION))
            for user_id in present:
                check_in_id += 1
                at = starts + timedelta(minutes=c.random.randint(0, 30))
                yield (
                    "check_in",
                    check_in_id,
                    str(uuid.UUID(int=10**12 + check_in_id)),
                    session_id,
                    user_id,
                    "card_scan",
                    trainers[commune],
                    at.strftime(FMT),
                )


def badges(c: Country, courses: list[str]):
    badge_id = 0
    for user_id, home, created in c.learners:
        roll = c.random.random()
        if roll > 0.13:
            continue
        for course in c.random.sample(courses, 2 if roll < 0.03 else 1):
            badge_id += 1
            issued = c.moment(datetime.strptime(created, FMT)).strftime(FMT)
            revoked = issued if c.random.random() < 0.01 else None
            yield (
                badge_id,
                uuid.UUID(int=badge_id).hex,
                user_id,
                course,
                1,
                "learning",
                f"Người dân {user_id}"[:20],
                c.commune_of[home],
                issued,
                revoked,
            )


# --- Writing it ---------------------------------------------------------------------------

TABLES = {
    "areas": "id, code, name, name_folded, kind, parent_id, path, depth, target_population, "
    "target_total, created_at",
    "area_ancestors": "area_id, ancestor_id",
    "users": "id, name, name_folded, phone, secret_hash, home_area_id, text_size, "
    "must_change_secret, session_version, card_token, consent_version, consented_at, "
    "created_at",
    "role_grants": "id, user_id, role, area_id, created_at",
    "progress_events": "client_uuid, user_id, course_slug, lesson_slug, kind, step, question, "
    "answer, correct, score, occurred_at, received_at",
    "lesson_progress": "user_id, course_slug, lesson_slug, status, last_step, best_score, "
    "question_count, started_at, completed_at, updated_at",
    "training_sessions": "id, area_id, title, place, starts_at, ends_at, code, secret, "
    "created_by_id, created_at, cancelled_at",
    "session_courses": "session_id, course_slug",
    "check_ins": "id, client_uuid, session_id, user_id, method, recorded_by_id, "
    "checked_in_at, received_at",
    "badges": "id, public_id, user_id, course_slug, revision, basis, holder_name, area_id, "
    "issued_at, revoked_at",
}


class Writer:
    """Buffered rows per table, flushed by COPY (PostgreSQL) or executemany (SQLite)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.buffers: dict[str, list[tuple]] = {t: [] for t in TABLES}
        self.counts: dict[str, int] = dict.fromkeys(TABLES, 0)
        if url.startswith("sqlite"):
            import sqlite3

            self.conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.execute("PRAGMA cache_size=-400000")
            self.pg = False
        else:
            import psycopg

            self.conn = psycopg.connect(url)
            self.pg = True

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= 50_000:
            self.flush(table)

    def flush(self, table: str) -> None:
        """Write ``table``'s rows, after those of the tables before it (their parents)."""
        for other in TABLES:
            if other == table:
                break
            self._write(other)
        self._write(table)

    def _write(self, table: str) -> None:
        rows, self.buffers[table] = self.buffers[table], []
        if not rows:
            return
        columns = TABLES[table]
        if self.pg:
            with (
                self.conn.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns.split(","))
            self.conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        self.counts[table] += len(rows)

    def close(self) -> None:
        for table in TABLES:
            self.flush(table)
        self.conn.commit()
        if self.pg:
            with self.conn.cursor() as cursor:
                for table in (
                    "areas",
                    "users",
                    "role_grants",
                    "training_sessions",
                    "check_ins",
                    "badges",
                ):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
            self.conn.commit()
            self.conn.autocommit = True
            self.conn.execute("VACUUM ANALYZE")
        else:
            self.conn.execute("ANALYZE")
            self.conn.commit()
        self.conn.close()


def generate(url: str, scale: float, seed: int) -> dict:
    from werkzeug.security import generate_password_hash

    sys.path.insert(0, str(ROOT))
    from learnapp.lessons.loader import load_catalogue

    catalogue = load_catalogue(ROOT / "lessons")
    lessons = [
        (c.slug, lesson.slug, len(lesson.steps), len(lesson.quiz.questions))
        for c in catalogue.courses
        for lesson in c.lessons
    ]
    courses = [c.slug for c in catalogue.courses]
    country = Country(scale, seed)
    started = time.perf_counter()
    build_areas(country)
    writer = Writer(url)
    for row in totals(country):
        writer.add("areas", row)
    for row in country.ancestors:
        writer.add("area_ancestors", row)
    writer.flush("areas")
    writer.flush("area_ancestors")
    pin = generate_password_hash("000000", method="pbkdf2:sha256:1000")
    password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    country.learners = []
    trainers: dict[int, int] = {}
    staff: dict[str, str] = {}
    for grant_id, (role, user_id, name, folded, phone, secret, area_id, created) in enumerate(
        users(country, pin, password), start=1
    ):
        writer.add(
            "users",
            (
                user_id,
                name,
                folded,
                phone,
                secret,
                area_id,
                "normal",
                False,
                0,
                card(user_id),
                "2025-07" if role == "resident" else None,
                created if role == "resident" else None,
                created,
            ),
        )
        writer.add("role_grants", (grant_id, user_id, role, area_id, created))
        if role == "resident":
            country.learners.append((user_id, area_id, created))
        elif role == "trainer":
            trainers[area_id] = user_id
        code = country.codes[area_id]
        if role != "resident" and (code not in staff or role == "official"):
            staff[code] = phone
    writer.flush("users")
    writer.flush("role_grants")
    for row in learning(country, lessons):
        kind, *values = row
        if kind == "event":
            writer.add("progress_events", (*values, values[-1]))
        else:
            writer.add("lesson_progress", tuple(values))
    for row in attendance(country, courses, trainers):
        kind, *values = row
        if kind == "session":
            *session, course = values
            writer.add("training_sessions", tuple(session))
            writer.add("session_courses", (session[0], course))
        else:
            writer.add("check_ins", (*values, values[-1]))
    for row in badges(country, courses):
        writer.add("badges", row)
    writer.close()
    some_commune = country.codes[country.communes[len(country.communes) // 2]]
    return {
        "rows": writer.counts,
        "seconds": round(time.perf_counter() - started, 1),
        "staff_phones": staff,
        "sample": {
            "country": "VN",
            "province": some_commune[:2],
            "commune": some_commune,
            "residential": f"{some_commune}-001",
        },
    }


# --- Measuring -----------------------------------------------------------------------------


class Browser(Phone):
    """One official's browser: a connection and a signed-in session (as in the burst)."""

    def __init__(self, base: str, phone: str) -> None:
        super().__init__(base, phone, PASSWORD)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        return self.request("GET", path, headers=headers)


def timed(client: Browser, path: str, requests: int, headers: dict | None = None) -> dict:
    for _ in range(3):  # warm-up: caches of the process and the database
        status, _ = client.get(path, headers)
        assert status == 200, f"{path}: {status}"
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _ = client.get(path, headers)
        latencies.append((time.perf_counter() - started) * 1000)
        assert status == 200, f"{path}: {status}"
    return summary(latencies)


NAIVE = """
import json, sys, time
from learnapp import create_app
from learnapp.areas import services as areas
from learnapp.dashboard import reports
app = create_app()
out = {}
with app.app_context():
    for level, code in json.loads(sys.argv[1]).items():
        area = areas.by_code(code)
        period = reports.Period(reports.EPOCH, reports.today())
        kids = reports.children_of(area)
        times = {}
        for name, call in (
            ("summary_tables", lambda: reports.figures([area, *kids], period, reports.today())),
            ("naive_group_by", lambda: reports.naive_figures(area, period)),
        ):
            runs = []
            for _ in range(3):
                started = time.perf_counter()
                call()
                runs.append((time.perf_counter() - started) * 1000)
            times[name] = round(min(runs), 1)
        out[level] = times
print(json.dumps(out))
"""


def api_token(env: dict) -> str:
    script = (
        "from learnapp import create_app\n"
        "from learnapp.areas import services as areas\n"
        "from learnapp.dashboard.models import ApiClient, hash_token, new_token\n"
        "from learnapp.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    token = new_token()\n"
        "    db.session.add(ApiClient(name='bench ' + token[:6], token_hash=hash_token(token),"
        " area=areas.by_code('VN')))\n"
        "    db.session.commit()\n"
        "    print(token)\n"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1]


def prepare(env: dict, sample: dict) -> dict:
    """``flask stats rebuild`` (timed), then the naive queries beside the summary tables'."""
    started = time.perf_counter()
    rebuild = subprocess.run(
        [str(BIN / "flask"), "stats", "rebuild"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rebuild_seconds = round(time.perf_counter() - started, 1)
    print("stats rebuild:", rebuild.stdout.strip().replace("\n", " "), flush=True)

    naive = subprocess.run(
        [str(BIN / "python"), "-c", NAIVE, json.dumps(sample)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    in_process = json.loads(naive.stdout.strip().splitlines()[-1])
    print("in process (ms):", json.dumps(in_process), flush=True)

    return {"rebuild_seconds": rebuild_seconds, "in_process": in_process}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", type=Path, help="instance folder of an earlier run")
    args = parser.parse_args()

    if args.reuse:
        instance = args.reuse
        url = database_url(args.db, instance)
        env = environment(url, instance)
        data = json.loads((instance / "national.json").read_text())
        print(f"Measuring again the country in {instance} …", flush=True)
    else:
        instance = Path(tempfile.mkdtemp(prefix="hvs-national-"))
        url = database_url(args.db, instance)
        env = environment(url, instance)
        reset_database(url, env)
        print(f"Generating a country at scale {args.scale} into {args.db}", end=" ")
        print(f"(instance folder {instance}) …", flush=True)
        data = generate(url, args.scale, args.seed)
        print(json.dumps(data["rows"]), f"in {data['seconds']} s", flush=True)
        data |= prepare(env, data["sample"])
        (instance / "national.json").write_text(json.dumps(data))
    rebuild_seconds, in_process = data["rebuild_seconds"], data["in_process"]

    token = api_token(env)
    phones = data["staff_phones"]
    sample = data["sample"]
    port = free_port()
    pages: dict[str, dict] = {}
    with server(env, workers=args.workers, threads=4, port=port) as base:
        viewers = {
            "country": Browser(base, phones["VN"]),
            "province": Browser(base, phones[sample["province"]]),
            "commune": Browser(base, phones[sample["commune"]]),
        }
        viewers["residential"] = viewers["commune"]
        api = Browser.__new__(Browser)
        api.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        api.cookies = {}
        auth = {"Authorization": f"Bearer {token}"}
        for level, code in sample.items():
            path = f"/dashboard/{code}"
            pages[f"page {level}"] = timed(viewers[level], path, args.requests)
            pages[f"page {level}, htmx drill-down"] = timed(
                viewers[level], path, args.requests, {"HX-Request": "true"}
            )
            pages[f"api {level}"] = timed(api, f"/api/v1/coverage/{code}", args.requests, auth)
            print(
                level,
                json.dumps(pages[f"page {level}"]),
                json.dumps(pages[f"api {level}"]),
                flush=True,
            )
        pages["page province, one course, one month"] = timed(
            viewers["province"],
            f"/dashboard/{sample['province']}?course=thanh-toan&from="
            f"{(date.today() - timedelta(days=30)).isoformat()}",
            args.requests,
        )

    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": args.db,
        "scale": args.scale,
        "rows": data["rows"],
        "generate_seconds": data["seconds"],
        "rebuild_seconds": rebuild_seconds,
        "in_process_ms": in_process,
        "http": pages,
        "server": {"name": "granian", "workers": args.workers, "threads": 4},
        "target_p95_ms": 200,
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.scale == 1.0 else f"-scale{args.scale}"
    (RESULTS / f"national-{args.db}{suffix}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
    print(json.dumps(result["http"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Helpers shared by the benchmarks: a fresh database, the app under gunicorn, timing."""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "bench" / "results")
# Staff accounts made by the benchmarks (the password policy refuses easy ones).
STAFF_PASSWORD = "ba con mèo trèo cây cau 2026"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(kind: str, instance: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{instance}/bench.db"
    return os.environ.get("BENCH_DATABASE_URL", "postgresql://127.0.0.1:5432/test")


def environment(url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        INSTANCE_PATH=str(instance),
        FLASK_APP="wsgi.py",
        SECRET_KEY="bench-only-" + os.urandom(8).hex(),
        PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    return env


def reset_database(url: str, env: dict[str, str]) -> None:
    """An empty schema, then every migration."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    subprocess.run(
        [str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )


@contextmanager
def server(env: dict[str, str], *, workers: int, threads: int, port: int):
    """The app under granian (the production server, deploy/hocvuso.service), on loopback;
    ``BENCH_SERVER=gunicorn`` for gunicorn's gthread workers instead."""
    if os.environ.get("BENCH_SERVER") == "gunicorn":
        with gunicorn(env, workers=workers, threads=threads, port=port) as base:
            yield base
        return
    command = [
        str(BIN / "granian"),
        *("--interface", "wsgi", "--workers", str(workers)),
        *("--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", str(port)),
        *("--log-level", "warning", "wsgi:app"),
    ]
    with _running(command, env, port) as base:
        yield base


@contextmanager
def _running(command: list[str], env: dict[str, str], port: int):
    """``command`` (a server on ``port``) running until the block ends."""
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_until_up(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)


def server_name() -> str:
    """The server ``server()`` starts, for the records."""
    return "gunicorn gthread" if os.environ.get("BENCH_SERVER") == "gunicorn" else "granian"


def wait_until_up(port: int, seconds: float = 30) -> None:
    """Until the app on ``port`` answers /healthz; RuntimeError if it never does."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the app did not answer on port {port} within {seconds:.0f} s")


@contextmanager
def gunicorn(env: dict[str, str], *, workers: int, threads: int, port: int):
    """The app under gunicorn (gthread workers), on loopback."""
    access_log = []
    if os.environ.get("BENCH_ACCESS_LOG"):  # server-side times, for profiling
        access_log = [
            "--access-logfile",
            os.environ["BENCH_ACCESS_LOG"],
            "--access-logformat",
            "%(U)s %(s)s %(D)s",
        ]
    command = [
        str(BIN / "gunicorn"),
        *("-w", str(workers), "--threads", str(threads), "-k", "gthread"),
        *("-b", f"127.0.0.1:{port}", "--log-level", "warning", "--keep-alive", "30"),
        *access_log,
        "wsgi:app",
    ]
    with _running(command, env, port) as base:
        yield base


PIN = "246810"  # residents' PIN in the benchmarks' communes


def seed_commune(
    env: dict[str, str], *, trainers: int = 1, learners: int = 0, residents: int = 0
) -> dict:
    """A commune (Xã Lâm Thao, Tỉnh Phú Thọ) with ``trainers`` trainers and a session
    running now; ``learners`` residents with phones and PIN ``PIN``; ``residents`` more
    with printed cards only. Returns the session id and the phones and cards."""
    from datetime import timedelta

    os.environ.update(env)
    from learnapp import create_app
    from learnapp.areas import services as areas
    from learnapp.attendance import services as attendance
    from learnapp.auth import services as accounts
    from learnapp.auth.models import Role
    from learnapp.core.time import utcnow
    from learnapp.extensions import db

    app = create_app()
    with app.app_context():
        province = areas.create_area(parent=areas.root(), name="Tỉnh Phú Thọ", code="25")
        commune = areas.create_area(parent=province, name="Xã Lâm Thao", code="08494")
        area = areas.create_area(parent=commune, name="Khu Thùy Nhật")
        staff = [
            accounts.create_staff(
                name=f"Tập huấn viên {number}",
                phone=f"09000001{number:02d}",
                role=Role.TRAINER,
                area=commune,
                password=STAFF_PASSWORD,
            )[0]
            for number in range(trainers)
        ]
        start = utcnow() - timedelta(minutes=5)
        session = attendance.save_session(
            None,
            creator=staff[0],
            area=area,
            team=None,
            title="Buổi hướng dẫn (benchmark)",
            place="Nhà văn hóa",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            course_slugs=["thanh-toan"],
            known_courses={"thanh-toan"},
        )
        phones = [
            accounts.register_resident(
                name=f"Học viên {number}",
                area=area,
                phone=f"0912{number:06d}",
                pin=PIN,
                consent_version=app.config["PRIVACY_NOTICE_VERSION"],
            ).phone
            for number in range(learners)
        ]
        cards = [
            accounts.register_resident(name=f"Người dân {n}", area=area, assisted=True).card_token
            for n in range(residents)
        ]
        db.session.commit()
        result = {
            "session": session.id,
            "trainers": [t.phone for t in staff],
            "learners": phones,
            "cards": cards,
        }
        db.engine.dispose()
    return result


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(latencies_ms: list[float]) -> dict[str, float]:
    return {
        "count": len(latencies_ms),
        "p50_ms": round(statistics.median(latencies_ms), 1) if latencies_ms else 0,
        "p95_ms": round(percentile(latencies_ms, 95), 1),
        "max_ms": round(max(latencies_ms), 1) if latencies_ms else 0,
    }


def record(name: str, key: str, data: dict) -> Path:
    """Merge ``data`` under ``key`` into bench/results/<name>.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    existing = json.loads(path.read_text()) if path.exists() else {}
    existing[key] = {"measured_at": time.strftime("%Y-%m-%d %H:%M"), **data}
    path.write_text(json.dumps(existing, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def temp_instance() -> Path:
    return Path(tempfile.mkdtemp(prefix="hvs-bench-"))

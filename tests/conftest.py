"""Fixtures: the app on SQLite (default) or PostgreSQL (``TEST_DATABASE_URL``), a
client, a CLI runner, and factories for areas and people.

The schema always comes from the migrations (never ``create_all``), once per test
session; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from learnapp import create_app
from learnapp.areas import services as areas
from learnapp.areas.models import Area
from learnapp.auth import services as accounts
from learnapp.auth.models import Role, User
from learnapp.config import TestConfig
from learnapp.extensions import db as _db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")
DEFAULT_PIN = "246810"
DEFAULT_PASSWORD = "correct horse battery"


def _config(url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secrets.token_hex(16),
        "TESTING": True,
    }


class Client(FlaskClient):
    """A test client whose every request starts with a fresh ``g``, as in production.

    The ``app`` fixture keeps one app context open for the whole test (so tests can use
    the database between requests); Flask then reuses that context for requests, and
    per-request caches on ``g`` (the signed-in user, the locale) would leak from one
    request into the next.
    """

    def open(self, *args: Any, **kwargs: Any):
        ctx = _cv_app.get(None)
        if ctx is None or ctx.app is not self.application:
            return super().open(*args, **kwargs)
        saved = ctx.g
        ctx.g = self.application.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.g = saved


def _make_app(url: str, instance: str, **overrides: Any) -> Flask:
    os.environ["INSTANCE_PATH"] = instance
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    config.update(_config(url))
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = Client
    return app


def _reset_postgres(url: str) -> None:
    from learnapp.core.database import normalise_url

    engine = create_engine(normalise_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> str:
    """Migrate once: a template SQLite file, or the PostgreSQL test database."""
    instance = str(tmp_path_factory.mktemp("instance-template"))
    if ON_PG:
        _reset_postgres(PG_URL)
        url = PG_URL
    else:
        url = "sqlite:///" + os.path.join(instance, "template.db")
    app = _make_app(url, instance)
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return url


def _truncate_all(app: Flask) -> None:
    with app.app_context():
        _db.session.remove()
        tables = [t.name for t in _db.metadata.sorted_tables]
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        _db.engine.dispose()


@pytest.fixture
def db_url(database_template: str, tmp_path) -> Iterator[str]:
    """A database with the migrated schema and no rows, for one test."""
    if ON_PG:
        yield database_template
    else:
        path = database_template.removeprefix("sqlite:///")
        copy = tmp_path / "test.db"
        shutil.copyfile(path, copy)
        yield f"sqlite:///{copy}"


@pytest.fixture
def app(db_url: str, tmp_path) -> Iterator[Flask]:
    instance = tmp_path / "instance"
    instance.mkdir()
    app = _make_app(db_url, str(instance))
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()
    if ON_PG:
        _truncate_all(app)


@pytest.fixture
def make_app(db_url: str, tmp_path) -> Iterator[Callable[..., Flask]]:
    """Build another app on the same database with config overrides."""
    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        instance = tmp_path / f"instance-{secrets.token_hex(3)}"
        instance.mkdir()
        made.append(_make_app(db_url, str(instance), **overrides))
        return made[-1]

    yield factory
    for other in made:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


# --- Factories ---------------------------------------------------------------------


class Places:
    """A small area tree: two provinces, each with a commune called Lâm Thao."""

    def __init__(self) -> None:
        self.country = areas.root()
        self.phu_tho = areas.create_area(parent=self.country, name="Tỉnh Phú Thọ", code="25")
        self.lam_thao = areas.create_area(
            parent=self.phu_tho, name="Xã Lâm Thao", code="08494", target_population=1000
        )
        self.thuy_nhat = areas.create_area(
            parent=self.lam_thao, name="Khu Thùy Nhật", target_population=400
        )
        self.phu_thinh = areas.create_area(
            parent=self.lam_thao, name="Khu Phú Thịnh", target_population=300
        )
        self.bac_ninh = areas.create_area(parent=self.country, name="Tỉnh Bắc Ninh", code="24")
        self.lam_thao_bn = areas.create_area(parent=self.bac_ninh, name="Xã Lâm Thao", code="09529")
        self.thon_dong = areas.create_area(parent=self.lam_thao_bn, name="Thôn Đông")


@pytest.fixture
def places(app: Flask) -> Places:
    result = Places()
    _db.session.commit()
    return result


_phone_counter = iter(range(10_000_000))


def next_phone() -> str:
    return f"09{next(_phone_counter) + 10_000_000:08d}"


@pytest.fixture
def make_user(app: Flask, places: Places) -> Callable[..., User]:
    """``make_user(role="trainer", area=places.lam_thao, name=…, phone=…)``.

    Residents get PIN ``DEFAULT_PIN``; staff get ``DEFAULT_PASSWORD``.
    """

    def factory(
        role: str = "resident",
        area: Area | None = None,
        name: str = "Nguyễn Thị Hoa",
        phone: str | None = "auto",
        **kwargs: Any,
    ) -> User:
        if phone == "auto":
            phone = next_phone()
        if role == "resident":
            user = accounts.register_resident(
                name=name,
                phone=phone,
                pin=kwargs.pop("pin", DEFAULT_PIN) if phone else None,
                area=area or places.thuy_nhat,
                consent_version="test",
                assisted=phone is None,
                **kwargs,
            )
        else:
            user, _ = accounts.create_staff(
                name=name,
                phone=phone,
                role=Role(role),
                area=area or places.lam_thao,
                password=kwargs.pop("password", DEFAULT_PASSWORD),
            )
        _db.session.commit()
        return user

    return factory


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., Any]:
    """Sign ``user`` in through the real form; returns the response."""

    def do_login(user: User, secret: str | None = None, client_: FlaskClient | None = None):
        secret = secret or (DEFAULT_PASSWORD if user.is_staff else DEFAULT_PIN)
        return (client_ or client).post("/login", data={"phone": user.phone, "secret": secret})

    return do_login


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _VisibleText(HTMLParser):
    """Collects the text a reader would see: not in <script>, <style>, <template> or
    any element marked ``hidden``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[bool] = []  # for each open element: is it (or a parent) unseen?

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        unseen = (
            (self.stack and self.stack[-1])
            or tag in {"script", "style", "template"}
            or any(name == "hidden" for name, _ in attrs)
        )
        self.stack.append(bool(unseen))

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def page_text(response) -> str:
    """The visible text of an HTML response, whitespace collapsed (for assertions)."""
    parser = _VisibleText()
    parser.feed(response.get_data(as_text=True))
    return " ".join(" ".join(parser.parts).split())

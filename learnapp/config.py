"""Configuration read from the environment, with safe defaults.

Secrets never live in the repository: ``SECRET_KEY`` comes from the environment or is
generated once into the instance folder (see ``learnapp.core.secrets``).
"""

import os
from datetime import timedelta


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-safe defaults; every value can be overridden from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means: SQLite file in the instance folder (filled in by create_app).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # A read replica of the database (PostgreSQL streaming replication) for the dashboards'
    # and the coverage API's reads; unset: everything reads the primary.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("APP_TIMEZONE", "Asia/Ho_Chi_Minh")
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=180)
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    # Staff are signed out after this long without a request (residents are not).
    STAFF_IDLE_MINUTES = int(os.environ.get("STAFF_IDLE_MINUTES", "30"))
    # Officials and admins must use a second factor (an authenticator app).
    REQUIRE_2FA = _bool("REQUIRE_2FA", False)
    TWO_FACTOR_LIMIT = os.environ.get("TWO_FACTOR_LIMIT", "5 per 15 minutes")

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    # Shared state of several workers or machines (rate-limit counts); None: in memory.
    REDIS_URL = os.environ.get("REDIS_URL")
    # Names of this deployment's keys in Redis (deployments sharing one Redis differ here).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "hvs")
    # Failed sign-ins allowed before a wait (a PIN has 10^6 values: 5 tries a quarter of an
    # hour make guessing one a matter of years). Per address, more: a commune hall's
    # Wi-Fi puts many residents behind one address.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "60 per 15 minutes")
    REGISTER_LIMIT_PER_ADDRESS = os.environ.get("REGISTER_LIMIT_PER_ADDRESS", "60 per hour")
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    MAX_CONTENT_LENGTH = 1024 * 1024

    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt")
    # Responses are compressed by the app (brotli or gzip), so that a phone on a slow
    # connection gets small pages even without a reverse proxy in front.
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
        "text/csv",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 500
    LESSONS_DIR = os.environ.get("LESSONS_DIR")  # None: the repository's lessons/
    PRIVACY_NOTICE_VERSION = "2026-11"
    # Who issues the badges, as named in every credential (e.g. "UBND xã Lâm Thao").
    BADGE_ISSUER_NAME = os.environ.get("BADGE_ISSUER_NAME", "Học vụ số")
    TESTING = False


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    # Hashing strength is not under test; a cheap method keeps the suite fast.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - a method name, not a secret

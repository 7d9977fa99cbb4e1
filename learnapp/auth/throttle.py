"""Throttling of sign-in and other guessable forms (Flask-Limiter).

Failed attempts are counted per account (the phone number typed) and per address; a
successful sign-in costs nothing. Past the limit the form answers 429 with a message that
says how long to wait, whatever is typed, so a PIN cannot be guessed by trying 10^6 of
them. Counts live in memory by default (one process) and in Redis when ``REDIS_URL`` is
set, so that every worker and every app machine shares them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import current_app, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse

from learnapp.auth.phone import InvalidPhone, normalise_phone

limiter = Limiter(key_func=get_remote_address)


def configure(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "hvs")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # A sliding window: the wait ends 15 minutes after the oldest failure counted, never
    # at the turn of a clock window.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    limiter.init_app(app)


def account_key() -> str:
    """The account a sign-in form names: its phone number, in national form."""
    try:
        return "account:" + normalise_phone(request.form.get("phone"))
    except InvalidPhone:
        return "account:invalid"


def no_account_named() -> bool:
    """No per-account limit for an unreadable phone: nobody's account is being guessed
    (and one person's typing must not lock out another's)."""
    return account_key() == "account:invalid"


def failed(response) -> bool:
    """Count only failures: a form answered with its errors (422)."""
    return response.status_code == 422


def setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def seconds_left(limit: RequestLimit) -> int:
    return max(1, math.ceil(limit.reset_at - 1 - time.time()))


def minutes_left(limit: RequestLimit) -> int:
    return max(1, math.ceil(seconds_left(limit) / 60))


def forget_failures(phone: str, endpoint: str = "auth.login") -> None:
    """Clear an account's failed sign-ins (after a trainer resets its PIN)."""
    item = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    limiter.limiter.clear(item, prefix, f"account:{phone}", endpoint)

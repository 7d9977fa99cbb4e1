"""A second factor for staff: TOTP codes from an authenticator app (RFC 6238), with ten
one-time recovery codes for when the phone is lost.

Officials and admins may turn it on; ``REQUIRE_2FA`` makes it mandatory for them.
"""

from __future__ import annotations

import secrets
import time

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash, generate_password_hash

from learnapp.auth.models import RecoveryCode, Role, User
from learnapp.core import audit
from learnapp.core.errors import UserError
from learnapp.core.time import utcnow
from learnapp.extensions import db

ISSUER = "Học vụ số"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def required_for(user: User) -> bool:
    """Must this account have a second factor before doing anything else?"""
    return bool(current_app.config["REQUIRE_2FA"]) and user.has_role(Role.OFFICIAL, Role.ADMIN)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """What the QR code holds: ``otpauth://totp/…`` for an authenticator app."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.phone or str(user.id), issuer_name=ISSUER)


def _clean(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def _totp_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The 30-second step whose code this is (one step of clock drift either way)."""
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    for drift in (0, -1, 1):
        moment = now + drift * totp.interval
        if secrets.compare_digest(totp.at(moment), code):
            return int(moment // totp.interval)
    return None


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the app shows the right code; returns the recovery
    codes (shown once)."""
    step = _totp_step(secret, _clean(code))
    if step is None:
        raise UserError(
            _l("That code is not right. Check the phone's time and type the newest code."),
            "code",
        )
    user.totp_secret = secret
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    user.session_version += 1  # other sessions were signed in with one factor
    audit.record(user, "2fa.enable", f"user:{user.id}")
    db.session.flush()
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{code[:5]}-{code[5:]}")
        db.session.add(
            RecoveryCode(
                user_id=user.id,
                code_hash=generate_password_hash(code, current_app.config["PASSWORD_HASH_METHOD"]),
            )
        )
    return codes


def disable(user: User, by: User) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(by, "2fa.disable", f"user:{user.id}")
    db.session.flush()


def verify(user: User, code: str) -> str | None:
    """Check a code from the app or a recovery code; returns which ("totp", "recovery")
    or None. Each code works once."""
    text = _clean(code)
    if user.totp_secret is None:
        return None
    step = _totp_step(user.totp_secret, text)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # a code already used (replayed, or seen over a shoulder)
        user.totp_last_step = step
        db.session.flush()
        return "totp"
    if len(text) == 10:
        for row in db.session.scalars(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ):
            if check_password_hash(row.code_hash, text):
                row.used_at = utcnow()
                audit.record(user, "2fa.recovery_code", f"user:{user.id}")
                db.session.flush()
                return "recovery"
    return None


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )

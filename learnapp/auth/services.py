"""Accounts: registration, sign-in checks, PINs and passwords."""

from __future__ import annotations

import re
import secrets
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from learnapp.areas.models import Area, AreaKind
from learnapp.auth.models import Role, RoleGrant, User
from learnapp.auth.phone import InvalidPhone, normalise_phone
from learnapp.auth.signals import resident_registered
from learnapp.core.errors import UserError
from learnapp.core.text import clean_name, fold
from learnapp.core.time import utcnow
from learnapp.extensions import db

PIN_RE = re.compile(r"\d{6}")
NAME_MAX = 120
PASSWORD_MIN = 10
PASSWORD_MAX = 128


def hash_secret(secret: str) -> str:
    return generate_password_hash(secret, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """A hash to check against when the phone is unknown, so that an unknown phone
    takes as long to answer as a wrong PIN."""
    return generate_password_hash(secrets.token_hex(8), method=method)


def valid_name(raw: str | None) -> str:
    name = clean_name(raw)
    if not name:
        raise UserError(_l("Please enter a name."), "name")
    if len(name) > NAME_MAX:
        raise UserError(_l("A name can have at most %(n)d characters.", n=NAME_MAX), "name")
    return name


def valid_phone(raw: str | None, field: str = "phone") -> str:
    try:
        return normalise_phone(raw)
    except InvalidPhone:
        raise UserError(
            _l("This is not a Vietnamese phone number. Example: 0912 345 678."), field
        ) from None


def valid_pin(pin: str | None, field: str = "pin") -> str:
    if not PIN_RE.fullmatch(pin or ""):
        raise UserError(_l("The PIN must be exactly 6 digits."), field)
    if len(set(pin)) == 1 or pin in {"123456", "654321", "012345", "123123"}:
        raise UserError(_l("This PIN is too easy to guess. Choose another one."), field)
    return pin


# Words anyone would try first on this app's accounts, beside zxcvbn's own lists (which
# know English passwords and names): Vietnamese favourites and the app's own names.
GUESSED_FIRST = (
    "hocvuso",
    "binhdanhocvuso",
    "hocvu",
    "matkhau",
    "anhyeuem",
    "emyeuanh",
    "vietnam",
    "hanoi",
    "saigon",
    "xinchao",
    "admin",
    "quantri",
    "canbo",
)


def valid_password(
    password: str | None, field: str = "password", *, about: tuple[str, ...] = ()
) -> str:
    """At least 10 characters, at most 128, and not easy to guess: zxcvbn's score of 3 or
    more (of 4), counting ``about`` (the person's name, phone) as already known."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise UserError(
            _l("The password must have at least %(n)d characters.", n=PASSWORD_MIN), field
        )
    if len(password) > PASSWORD_MAX:
        raise UserError(
            _l("The password can have at most %(n)d characters.", n=PASSWORD_MAX), field
        )
    folded = [fold(text or "") for text in about]
    known = [
        *GUESSED_FIRST,
        *(part for text in folded for part in text.split()),
        *(re.sub(r"\W+", "", text) for text in folded),  # "nguyenvanan"
    ]
    # Judged as typed, and squeezed (no spaces, accents or signs), whichever is weaker:
    # "Nguyễn Văn An 0912" is the owner's name and phone, however it is spaced.
    squeezed = re.sub(r"\W+", "", fold(password))
    if min(zxcvbn(p[:72], user_inputs=known)["score"] for p in (password, squeezed)) < 3:
        raise UserError(
            _l(
                "This password is too common or too easy to guess. Try a short sentence of"
                " four or more words that only you would think of."
            ),
            field,
        )
    return password


def valid_birth_year(value: int | None, this_year: int) -> int | None:
    if value is None:
        return None
    if not 1900 <= value <= this_year:
        raise UserError(_l("Please enter a year of birth between 1900 and now."), "birth_year")
    return value


def find_by_phone(phone: str) -> User | None:
    return db.session.scalar(select(User).where(User.phone == phone))


def authenticate(raw_phone: str, secret: str) -> User:
    """Return the account for this phone and PIN/password, or raise ``UserError``."""
    phone = valid_phone(raw_phone)
    user = find_by_phone(phone)
    if user is None or user.secret_hash is None:
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), secret or "")
        raise UserError(_l("No account uses this phone number. You can register."), "phone")
    if not check_password_hash(user.secret_hash, secret or ""):
        if user.is_staff:
            raise UserError(_l("The password is not right. Please try again."), "secret")
        raise UserError(_l("The PIN is not right. Please try again."), "secret")
    if not user.is_active:
        raise UserError(_l("This account has been switched off. Ask your commune's team."))
    return user


def _check_phone_free(phone: str | None) -> None:
    if phone and find_by_phone(phone) is not None:
        raise UserError(
            _l("This phone number is already registered. Sign in, or use another number."),
            "phone",
        )


def _residential(area: Area | None) -> Area:
    if area is None or area.kind != AreaKind.RESIDENTIAL:
        raise UserError(_l("Please choose your residential area."), "area")
    return area


def register_resident(
    *,
    name: str,
    area: Area | None,
    phone: str | None = None,
    pin: str | None = None,
    birth_year: int | None = None,
    consent_version: str | None = None,
    locale: str | None = None,
    created_by: User | None = None,
    assisted: bool = False,
) -> User:
    """Create a resident. Self-registration needs phone, PIN and consent; a trainer
    (``created_by``) or an operator (``assisted``) may register someone without a phone,
    who then uses a printed card."""
    assisted = assisted or created_by is not None
    name = valid_name(name)
    area = _residential(area)
    phone = valid_phone(phone) if phone else None
    if not assisted:
        if not phone:
            raise UserError(_l("Please enter your phone number."), "phone")
        if not consent_version:
            raise UserError(
                _l("Please read the privacy notice and tick the box to agree."), "consent"
            )
    if pin:
        valid_pin(pin)
    elif not assisted:
        raise UserError(_l("The PIN must be exactly 6 digits."), "pin")
    birth_year = valid_birth_year(birth_year, utcnow().year)
    _check_phone_free(phone)
    user = User(
        name=name,
        name_folded=fold(name),
        phone=phone,
        secret_hash=hash_secret(pin) if pin else None,
        birth_year=birth_year,
        home_area=area,
        locale=locale,
        consent_version=consent_version,
        consented_at=utcnow() if consent_version else None,
        created_by_id=created_by.id if created_by else None,
    )
    user.grants.append(RoleGrant(role=Role.RESIDENT, area=area))
    db.session.add(user)
    db.session.flush()
    resident_registered.send(user)
    return user


def create_staff(
    *,
    name: str,
    phone: str,
    role: Role,
    area: Area,
    created_by: User | None = None,
    password: str | None = None,
) -> tuple[User, str | None]:
    """Create a trainer, official or admin account responsible for ``area``.

    Without ``password`` a one-time password is generated and returned (shown once);
    the account must change it at first sign-in.
    """
    name = valid_name(name)
    phone = valid_phone(phone)
    if role not in (Role.TRAINER, Role.OFFICIAL, Role.ADMIN):
        raise UserError(_l("Choose a role: trainer, official or administrator."), "role")
    _check_phone_free(phone)
    one_time = None
    if password is None:
        one_time = generate_one_time_password()
        password = one_time
    else:
        valid_password(password, about=(name, phone))
    user = User(
        name=name,
        name_folded=fold(name),
        phone=phone,
        secret_hash=hash_secret(password),
        home_area=area,
        must_change_secret=one_time is not None,
        created_by_id=created_by.id if created_by else None,
    )
    user.grants.append(RoleGrant(role=role, area=area))
    db.session.add(user)
    db.session.flush()
    return user, one_time


def generate_one_time_password() -> str:
    """Ten characters that are easy to read aloud and type (no 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def change_secret(user: User, current: str | None, new: str, *, check_current: bool = True) -> None:
    """Set a new PIN (residents) or password (staff); signs out other sessions."""
    if check_current and not (
        user.secret_hash and check_password_hash(user.secret_hash, current or "")
    ):
        field = "current"
        if user.is_staff:
            raise UserError(_l("The current password is not right."), field)
        raise UserError(_l("The current PIN is not right."), field)
    if user.is_staff:
        valid_password(new, "new", about=(user.name, user.phone or ""))
    else:
        valid_pin(new, "new")
    user.secret_hash = hash_secret(new)
    user.must_change_secret = False
    user.session_version += 1
    db.session.flush()


def reset_pin(resident: User, *, by: User) -> str:
    """A trainer gives a resident who forgot their PIN a temporary one (returned, to be
    told to them), which they must change at their next sign-in. Their other sessions end
    and their failed sign-ins are forgotten; the reset is written to the audit log."""
    from learnapp.auth import throttle
    from learnapp.core import audit

    if resident.is_staff or not resident.phone:
        raise UserError(_l("Only a resident with a phone number signs in with a PIN."))
    while True:
        pin = f"{secrets.randbelow(10**6):06d}"
        try:
            valid_pin(pin)
        except UserError:
            continue
        break
    resident.secret_hash = hash_secret(pin)
    resident.must_change_secret = True
    resident.session_version += 1
    audit.record(by, "resident.pin_reset", f"user:{resident.id}", name=resident.name)
    db.session.flush()
    throttle.forget_failures(resident.phone)
    return pin


def update_profile(user: User, *, name: str, locale: str | None, text_size: str) -> None:
    user.name = valid_name(name)
    user.name_folded = fold(user.name)
    user.locale = locale
    user.text_size = text_size
    db.session.flush()


def set_roles(user: User, role: Role, area: Area) -> None:
    """Replace a staff member's role and responsibility area."""
    user.grants.clear()
    db.session.flush()
    user.grants.append(RoleGrant(role=role, area=area))
    user.home_area = area
    db.session.flush()


def deactivate(user: User) -> None:
    user.deactivated_at = utcnow()
    user.session_version += 1
    db.session.flush()


def reactivate(user: User) -> None:
    user.deactivated_at = None
    db.session.flush()

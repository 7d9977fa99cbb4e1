"""Accounts and the roles they hold."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.areas.models import Area
from learnapp.core.time import utcnow
from learnapp.extensions import db


class Role(StrEnum):
    RESIDENT = "resident"
    TRAINER = "trainer"
    OFFICIAL = "official"
    ADMIN = "admin"


# Higher rank wins when a person holds several roles.
ROLE_RANK = {Role.RESIDENT: 0, Role.TRAINER: 1, Role.OFFICIAL: 2, Role.ADMIN: 3}
STAFF_ROLES = (Role.TRAINER, Role.OFFICIAL, Role.ADMIN)


def new_card_token() -> str:
    return secrets.token_urlsafe(12)


class User(UserMixin, db.Model):
    """A person: a resident who learns, or staff (trainer, official, admin).

    Residents sign in with phone + 6-digit PIN, staff with phone + password; both are
    stored as a salted hash in ``secret_hash``. A resident registered at the door
    without a phone has no phone and no PIN and is known by their card.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    name_folded: Mapped[str] = mapped_column(String(120), index=True)
    phone: Mapped[str | None] = mapped_column(String(15), unique=True)
    secret_hash: Mapped[str | None] = mapped_column(String(255))
    birth_year: Mapped[int | None]
    home_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    text_size: Mapped[str] = mapped_column(String(10), default="normal")
    must_change_secret: Mapped[bool] = mapped_column(default=False)
    session_version: Mapped[int] = mapped_column(default=0)
    card_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_card_token)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when a trainer's device registered this person (offline queue): a replay of the
    # same registration finds them instead of creating them twice.
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    deactivated_at: Mapped[datetime | None]
    # A second factor (staff): the TOTP secret (base32) once confirmed, and the last
    # 30-second step used, so that a code is accepted once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None]
    # Set when the owner deleted the account: nothing in the row names them any more.
    erased_at: Mapped[datetime | None]

    home_area: Mapped[Area | None] = relationship(lazy="joined")
    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="RoleGrant.user_id",
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    # Flask-Login: the id carries a version, so changing a PIN or password signs out
    # every other session of the account.
    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.deactivated_at is None

    @property
    def role(self) -> Role:
        """The highest role this person holds."""
        if not self.grants:
            return Role.RESIDENT
        return max((Role(g.role) for g in self.grants), key=ROLE_RANK.__getitem__)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def has_second_factor(self) -> bool:
        return self.totp_secret is not None

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def responsibility_area(self) -> Area | None:
        """The area whose subtree bounds what staff may see and change (None for residents)."""
        staff = [g for g in self.grants if g.role in STAFF_ROLES]
        if not staff:
            return None
        best = max(staff, key=lambda g: (ROLE_RANK[Role(g.role)], -g.area.depth))
        return best.area

    def may_manage(self, area: Area | None) -> bool:
        """True when ``area`` lies inside this person's responsibility area."""
        scope = self.responsibility_area
        return area is not None and scope is not None and area.is_within(scope)


class RecoveryCode(db.Model):
    """One-time codes for when the authenticator app is lost (hashes only)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None]


class RoleGrant(db.Model):
    """A role held by a person over an area (a resident's is their home area)."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    area: Mapped[Area] = relationship(lazy="joined")

"""Lists and look-ups for staff pages, always bounded by a responsibility area."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from learnapp.areas.models import Area
from learnapp.auth.models import ROLE_RANK, STAFF_ROLES, Role, RoleGrant, User
from learnapp.core.text import fold
from learnapp.extensions import db


def _within(area: Area) -> Select:
    return select(User).join(User.home_area).where(Area.in_subtree(area))


def residents_within(area: Area, query: str = "", *, limit: int = 50) -> list[User]:
    """Residents whose home area lies in ``area``; ``query`` matches any part of the
    name, ignoring accents and case ("nguyen thi" finds "Nguyễn Thị Hoa")."""
    stmt = _within(area).where(
        User.deactivated_at.is_(None),
        User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == Role.RESIDENT)),
    )
    folded = fold(query)
    if folded:
        stmt = stmt.where(User.name_folded.contains(folded, autoescape=True))
    return list(db.session.scalars(stmt.order_by(User.name_folded).limit(limit)))


def count_residents_within(area: Area) -> int:
    stmt = (
        select(func.count())
        .select_from(User)
        .join(User.home_area)
        .where(
            Area.in_subtree(area),
            User.deactivated_at.is_(None),
            User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == Role.RESIDENT)),
        )
    )
    return db.session.scalar(stmt) or 0


def staff_within(area: Area) -> list[User]:
    """Trainers, officials and admins responsible for an area inside ``area``."""
    grants = (
        select(RoleGrant.user_id)
        .join(RoleGrant.area)
        .where(Area.in_subtree(area), RoleGrant.role.in_([r.value for r in STAFF_ROLES]))
    )
    stmt = (
        select(User)
        .where(User.id.in_(grants))
        .order_by(User.deactivated_at.is_not(None), User.name_folded)
    )
    return list(db.session.scalars(stmt))


def trainers_within(area: Area) -> list[User]:
    return [u for u in staff_within(area) if u.role == Role.TRAINER and u.is_active]


def may_edit_account(actor: User, target: User) -> bool:
    """Managers edit staff in their area who rank no higher than themselves, never
    their own role."""
    if actor.id == target.id:
        return False
    area = target.responsibility_area or target.home_area
    return actor.may_manage(area) and ROLE_RANK[target.role] <= ROLE_RANK[actor.role]


def roles_actor_may_grant(actor: User) -> list[Role]:
    if actor.role == Role.ADMIN:
        return [Role.TRAINER, Role.OFFICIAL, Role.ADMIN]
    if actor.role == Role.OFFICIAL:
        return [Role.TRAINER, Role.OFFICIAL]
    return []

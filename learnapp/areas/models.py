"""Areas (country → province → commune → residential area) and community teams."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from learnapp.core.time import utcnow
from learnapp.extensions import db


class AreaKind(StrEnum):
    COUNTRY = "country"
    PROVINCE = "province"
    COMMUNE = "commune"
    RESIDENTIAL = "residential"


CHILD_KIND = {
    AreaKind.COUNTRY: AreaKind.PROVINCE,
    AreaKind.PROVINCE: AreaKind.COMMUNE,
    AreaKind.COMMUNE: AreaKind.RESIDENTIAL,
}


class Area(db.Model):
    """A node of the area tree.

    ``path`` is the materialised path of ids, ``/1/5/23/``: the subtree of an area is
    every row whose path starts with its path, one indexed range scan.
    """

    __tablename__ = "areas"
    __table_args__ = (Index("ix_areas_path", "path", postgresql_ops={"path": "text_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_folded: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    depth: Mapped[int] = mapped_column(default=0)
    target_population: Mapped[int | None]
    # The target used in reports: this area's own target, or else the sum of its children's
    # (kept by ``services.refresh_targets``).
    target_total: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id], lazy="joined", innerjoin=False)

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"

    @classmethod
    def in_subtree(cls, area: Area):
        """SQL condition: the row lies in ``area``'s subtree (itself included).

        Paths hold only digits and slashes, so a plain prefix LIKE is exact and uses
        the path index (``text_pattern_ops`` on PostgreSQL).
        """
        return cls.path.like(f"{area.path}%")

    def is_within(self, other: Area | None) -> bool:
        """True when this area is ``other`` or lies inside it."""
        return other is not None and self.path.startswith(other.path)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def child_kind(self) -> str | None:
        return CHILD_KIND.get(AreaKind(self.kind))


class AreaAncestor(db.Model):
    """Closure table: ``(area, ancestor)`` for every ancestor of an area, itself included.
    Reports roll figures up the tree with one indexed join instead of path matching."""

    __tablename__ = "area_ancestors"
    __table_args__ = (Index("ix_area_ancestors_ancestor", "ancestor_id", "area_id"),)

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    ancestor_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )


class Team(db.Model):
    """A community digital technology team (Tổ công nghệ số cộng đồng)."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deactivated_at: Mapped[datetime | None]

    area: Mapped[Area] = relationship(lazy="joined")
    memberships: Mapped[list[TeamMember]] = relationship(
        back_populates="team", cascade="all, delete-orphan"
    )


class TeamMember(db.Model):
    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_leader: Mapped[bool] = mapped_column(default=False)

    team: Mapped[Team] = relationship(back_populates="memberships")
    user = relationship("User", lazy="joined")

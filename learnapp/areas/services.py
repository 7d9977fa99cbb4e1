"""Areas: the tree, subtree queries, the area picker and the CSV import."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update

from learnapp.areas.models import CHILD_KIND, Area, AreaAncestor, AreaKind, Team, TeamMember
from learnapp.core.errors import UserError
from learnapp.core.text import clean_name, fold
from learnapp.extensions import db

ROOT_CODE = "VN"
CODE_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z.\-]{0,19}")
NAME_MAX = 120
TARGET_MAX = 100_000_000


def root() -> Area:
    """The country, created on first use: the top of every subtree."""
    area = db.session.scalar(select(Area).where(Area.code == ROOT_CODE))
    if area is None:
        area = Area(
            code=ROOT_CODE,
            name="Việt Nam",
            name_folded="viet nam",
            kind=AreaKind.COUNTRY,
            path="/",
            depth=0,
        )
        db.session.add(area)
        db.session.flush()
        area.path = f"/{area.id}/"
        db.session.add(AreaAncestor(area_id=area.id, ancestor_id=area.id))
        db.session.flush()
    return area


def by_code(code: str | None) -> Area | None:
    if not code:
        return None
    return db.session.scalar(select(Area).where(Area.code == code.strip()))


def get(area_id: int | str | None) -> Area | None:
    try:
        return db.session.get(Area, int(area_id)) if area_id not in (None, "") else None
    except (TypeError, ValueError):
        return None


def subtree(area: Area) -> Select:
    """SELECT of every area in ``area``'s subtree, itself included."""
    return select(Area).where(Area.in_subtree(area))


def children(area: Area) -> list[Area]:
    return list(
        db.session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.name))
    )


def ancestors(area: Area) -> list[Area]:
    """From the country down to ``area``'s parent."""
    ids = area.ancestor_ids[:-1]
    if not ids:
        return []
    found = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def valid_code(raw: str | None, field_name: str = "code") -> str:
    code = (raw or "").strip()
    if not CODE_RE.fullmatch(code):
        raise UserError(
            _l("An area code has 1 to 20 letters, digits, dots or hyphens."), field_name
        )
    return code


def valid_area_name(raw: str | None) -> str:
    name = clean_name(raw)
    if not name:
        raise UserError(_l("Please enter a name."), "name")
    if len(name) > NAME_MAX:
        raise UserError(_l("A name can have at most %(n)d characters.", n=NAME_MAX), "name")
    return name


def valid_target(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= TARGET_MAX:
        raise UserError(_l("The target population is not a sensible number."), "target_population")
    return value


def create_area(
    *,
    parent: Area,
    name: str,
    code: str | None = None,
    target_population: int | None = None,
    refresh: bool = True,
) -> Area:
    """Add a child area under ``parent``. Residential areas get a code under their
    commune's (``08494-001``) when none is given."""
    kind = CHILD_KIND.get(AreaKind(parent.kind))
    if kind is None:
        raise UserError(_l("Residential areas cannot contain other areas."), "parent")
    name = valid_area_name(name)
    code = valid_code(code) if code else next_child_code(parent)
    if by_code(code) is not None:
        raise UserError(_l("The code %(code)s is already used by another area.", code=code), "code")
    area = Area(
        code=code,
        name=name,
        name_folded=fold(name),
        kind=kind,
        parent=parent,
        target_population=valid_target(target_population),
        depth=parent.depth + 1,
        path="",
    )
    db.session.add(area)
    db.session.flush()
    area.path = f"{parent.path}{area.id}/"
    db.session.add_all(AreaAncestor(area_id=area.id, ancestor_id=a) for a in area.ancestor_ids)
    db.session.flush()
    if refresh:
        refresh_targets(area)
    return area


def refresh_targets(area: Area) -> None:
    """Recompute the report targets of ``area`` and of every area above it."""
    for ancestor_id in reversed(area.ancestor_ids):
        node = db.session.get(Area, ancestor_id)
        if node.target_population is not None:
            node.target_total = node.target_population
        else:
            node.target_total = (
                db.session.scalar(
                    select(func.coalesce(func.sum(Area.target_total), 0)).where(
                        Area.parent_id == node.id
                    )
                )
                or 0
            )
    db.session.flush()


def refresh_all_targets() -> None:
    """Recompute every report target, deepest areas first (after an import)."""
    rows = db.session.execute(
        select(Area.id, Area.parent_id, Area.depth, Area.target_population)
    ).all()
    totals: dict[int, int] = {}
    sums: dict[int, int] = {}
    for area_id, parent_id, _depth, own in sorted(rows, key=lambda r: -r.depth):
        total = own if own is not None else sums.get(area_id, 0)
        totals[area_id] = total
        if parent_id is not None:
            sums[parent_id] = sums.get(parent_id, 0) + total
    db.session.execute(
        update(Area), [{"id": area_id, "target_total": total} for area_id, total in totals.items()]
    )
    db.session.flush()


def next_child_code(parent: Area) -> str:
    prefix = f"{parent.code}-"
    codes = db.session.scalars(select(Area.code).where(Area.parent_id == parent.id))
    numbers = [
        int(c[len(prefix) :]) for c in codes if c.startswith(prefix) and c[len(prefix) :].isdigit()
    ]
    return f"{prefix}{(max(numbers, default=0) + 1):03d}"


def update_area(area: Area, *, name: str, target_population: int | None) -> None:
    area.name = valid_area_name(name)
    area.name_folded = fold(area.name)
    area.target_population = valid_target(target_population)
    db.session.flush()
    refresh_targets(area)


# --- The area picker: province → commune → residential area ------------------------


@dataclass
class PickerState:
    """What the picker shows: the choices at each level and what is chosen."""

    provinces: list[Area] = field(default_factory=list)
    communes: list[Area] = field(default_factory=list)
    residential: list[Area] = field(default_factory=list)
    province: Area | None = None
    commune: Area | None = None
    area: Area | None = None

    @staticmethod
    def choices(areas: list[Area]) -> list[tuple[int, str]]:
        return [(a.id, a.name) for a in areas]


def picker_state(values: Mapping[str, str], within: Area | None = None) -> PickerState:
    """Resolve the picker's selects (``province``, ``commune``, ``area_id``) into areas,
    keeping only consistent choices; ``within`` limits the choices to a subtree."""
    state = PickerState()
    top = within or root()

    def limited(query: Select) -> Select:
        return query.where(Area.in_subtree(top)).order_by(Area.name)

    if top.kind in (AreaKind.COUNTRY, AreaKind.PROVINCE):
        state.provinces = list(
            db.session.scalars(limited(select(Area).where(Area.kind == AreaKind.PROVINCE)))
        )
    if top.kind == AreaKind.PROVINCE:
        state.province = top
    chosen = get(values.get("province"))
    if chosen in state.provinces:
        state.province = chosen
    elif len(state.provinces) == 1:
        state.province = state.provinces[0]

    if top.kind == AreaKind.COMMUNE:
        state.communes = [top]
        state.commune = top
    elif top.kind == AreaKind.RESIDENTIAL:
        state.communes = [top.parent] if top.parent else []
        state.commune = top.parent
    elif state.province is not None:
        state.communes = children(state.province)
    chosen = get(values.get("commune"))
    if chosen in state.communes:
        state.commune = chosen
    elif len(state.communes) == 1:
        state.commune = state.communes[0]

    if top.kind == AreaKind.RESIDENTIAL:
        state.residential = [top]
    elif state.commune is not None:
        state.residential = children(state.commune)
    chosen = get(values.get("area_id"))
    if chosen in state.residential:
        state.area = chosen
    elif len(state.residential) == 1:
        state.area = state.residential[0]
    return state


# --- CSV import ----------------------------------------------------------------------

REQUIRED_COLUMNS = ("code", "name", "parent_code")
OPTIONAL_COLUMNS = ("target_population",)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_csv(text: str) -> ImportResult:
    """Load areas from CSV text: ``code,name,parent_code[,target_population]``.

    A row whose ``parent_code`` is empty is a province (under the country). Rows may come
    in any order. Every row is checked before anything is written; the first bad row
    raises ``UserError`` naming its line and nothing changes. Re-importing updates names
    and targets of existing codes and never creates duplicates.
    """
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise UserError(
            _l(
                "Missing column(s): %(columns)s. Required: code, name, parent_code.",
                columns=", ".join(missing),
            )
        )
    rows: dict[str, tuple[int, str, str, int | None]] = {}
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        try:
            code = valid_code(row.get("code"))
            name = valid_area_name(row.get("name"))
            parent_code = row.get("parent_code", "")
            if parent_code:
                valid_code(parent_code)
            target = row.get("target_population") or ""
            if target and not target.isdigit():
                raise UserError(_l("The target population is not a sensible number."))
            target_value = valid_target(int(target)) if target else None
        except UserError as error:
            raise UserError(
                _l("Line %(line)d: %(message)s", line=line_no, message=error.message)
            ) from None
        if code in rows:
            raise UserError(
                _l(
                    "Line %(line)d: the code %(code)s appears twice in the file.",
                    line=line_no,
                    code=code,
                )
            )
        rows[code] = (line_no, name, parent_code, target_value)

    country = root()
    existing = {
        a.code: a for a in db.session.scalars(select(Area).where(Area.code.in_(list(rows))))
    }
    parents_known = {c for c in {r[2] for r in rows.values() if r[2]} if c not in rows}
    known_parents = {
        a.code: a
        for a in db.session.scalars(select(Area).where(Area.code.in_(list(parents_known))))
    }

    # Check every row's place in the tree before writing.
    def depth_of(code: str, seen: tuple[str, ...] = ()) -> int:
        line_no, _name, parent_code, _t = rows[code]
        if code in seen:
            raise UserError(_l("Line %(line)d: the areas' parents form a loop.", line=line_no))
        if not parent_code:
            return 1
        if parent_code in rows:
            return depth_of(parent_code, (*seen, code)) + 1
        parent = known_parents.get(parent_code)
        if parent is None:
            raise UserError(
                _l(
                    "Line %(line)d: no area has the parent code %(code)s.",
                    line=line_no,
                    code=parent_code,
                )
            )
        return parent.depth + 1

    depths = {code: depth_of(code) for code in rows}
    for code, depth in depths.items():
        line_no, _name, parent_code, _t = rows[code]
        if depth > 3:
            raise UserError(
                _l("Line %(line)d: residential areas cannot contain other areas.", line=line_no)
            )
        area = existing.get(code)
        if area is not None:
            current_parent = (
                area.parent.code if area.parent and area.parent.code != ROOT_CODE else ""
            )
            if current_parent != parent_code:
                raise UserError(
                    _l(
                        "Line %(line)d: the area %(code)s already exists under another parent; "
                        "moving areas is not supported.",
                        line=line_no,
                        code=code,
                    )
                )

    result = ImportResult()
    by_code_map: dict[str, Area] = {**known_parents, **existing, ROOT_CODE: country}
    for code in sorted(rows, key=lambda c: depths[c]):
        _line, name, parent_code, target = rows[code]
        area = existing.get(code)
        if area is None:
            parent = by_code_map[parent_code or ROOT_CODE]
            area = create_area(
                parent=parent, name=name, code=code, target_population=target, refresh=False
            )
            by_code_map[code] = area
            result.created += 1
        elif area.name != name or (target is not None and area.target_population != target):
            area.name, area.name_folded = name, fold(name)
            if target is not None:
                area.target_population = target
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    refresh_all_targets()
    return result


# --- Targets, from a spreadsheet ------------------------------------------------------

TARGET_COLUMNS = ("code", "name", "target_population")


def subtree_list(area: Area) -> list[Area]:
    """``area`` and every area inside it, in tree order."""
    return list(
        db.session.scalars(
            select(Area)
            .join(AreaAncestor, AreaAncestor.area_id == Area.id)
            .where(AreaAncestor.ancestor_id == area.id)
            .order_by(Area.depth, Area.code)
        )
    )


def targets_csv(area: Area) -> str:
    """A spreadsheet of ``area``'s subtree with today's targets, to fill in and upload."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(TARGET_COLUMNS)
    for node in subtree_list(area):
        target = "" if node.target_population is None else node.target_population
        writer.writerow([node.code, node.name, target])
    return "\ufeff" + buffer.getvalue()


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:  # an old Excel's own code page: only codes and numbers matter
        return data.decode("cp1258", errors="replace")


def import_targets(data: bytes, within: Area) -> ImportResult:
    """Set the targets of areas in ``within``'s subtree from a CSV file with the columns
    ``code`` and ``target_population`` (others, such as ``name``, are ignored). An empty
    target means "not set". Every row is checked first; a bad row raises ``UserError``
    naming its line and nothing changes. Rows left out keep their targets."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(h or "").strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("code", "target_population") if c not in header]
    if missing:
        raise UserError(
            _l(
                "Missing column(s): %(columns)s. Required: code, target_population.",
                columns=", ".join(missing),
            )
        )
    inside = {a.code: a for a in subtree_list(within)}
    wanted: dict[str, tuple[int, int | None]] = {}
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        code = row.get("code", "")
        if code not in inside:
            if by_code(code) is None:
                message = _l(
                    "Line %(line)d: no area has the code %(code)s.", line=line_no, code=code
                )
            else:
                message = _l(
                    "Line %(line)d: the area %(code)s is not within %(area)s.",
                    line=line_no,
                    code=code,
                    area=within.name,
                )
            raise UserError(message)
        if code in wanted:
            raise UserError(
                _l(
                    "Line %(line)d: the code %(code)s appears twice in the file.",
                    line=line_no,
                    code=code,
                )
            )
        raw_target = row.get("target_population", "").replace(".", "").replace(",", "")
        raw_target = raw_target.replace(" ", "")
        try:
            if raw_target and not raw_target.isdigit():
                raise UserError(_l("The target population is not a sensible number."))
            target = valid_target(int(raw_target)) if raw_target else None
        except UserError as error:
            raise UserError(
                _l("Line %(line)d: %(message)s", line=line_no, message=error.message)
            ) from None
        wanted[code] = (line_no, target)
    result = ImportResult()
    for code, (_line, target) in wanted.items():
        area = inside[code]
        if area.target_population == target:
            result.unchanged += 1
        else:
            area.target_population = target
            result.updated += 1
    db.session.flush()
    if result.updated:
        refresh_all_targets()
    return result


# --- Teams -------------------------------------------------------------------------


def create_team(*, area: Area, name: str) -> Team:
    team = Team(area=area, name=valid_area_name(name))
    db.session.add(team)
    db.session.flush()
    return team


def teams_within(area: Area) -> list[Team]:
    return list(
        db.session.scalars(
            select(Team).join(Team.area).where(Area.in_subtree(area)).order_by(Area.name, Team.name)
        )
    )


def add_member(team: Team, user, *, leader: bool = False) -> TeamMember:
    member = db.session.scalar(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user.id)
    )
    if member is None:
        member = TeamMember(team=team, user_id=user.id, is_leader=leader)
        db.session.add(member)
    else:
        member.is_leader = leader
    db.session.flush()
    return member


def remove_member(team: Team, user_id: int) -> None:
    member = db.session.scalar(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.user_id == user_id)
    )
    if member is not None:
        db.session.delete(member)
        db.session.flush()


def count_within(area: Area, kind: str) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Area).where(Area.in_subtree(area), Area.kind == kind)
        )
        or 0
    )

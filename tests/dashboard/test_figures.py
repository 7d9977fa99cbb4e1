"""Every figure against hand-counted values; rebuilding gives the same tables."""

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from learnapp.badges import services as badges
from learnapp.badges.models import Badge
from learnapp.core.database import writing
from learnapp.dashboard import reports, stats
from learnapp.dashboard.models import AreaActive, AreaDaily, LastActive
from learnapp.dashboard.reports import today
from learnapp.extensions import db as _db


def _figures(places, course="", start=reports.EPOCH, end=None):
    period = reports.Period(start=start, end=end or today(), course=course)
    areas = [
        places.country,
        places.phu_tho,
        places.lam_thao,
        places.thuy_nhat,
        places.phu_thinh,
        places.bac_ninh,
    ]
    numbers = reports.figures(areas, period, today())
    return {a.code: numbers[a.id] for a in areas}


def test_commune_figures_by_hand(commune, places):
    f = _figures(places)
    lam_thao = f["08494"]
    assert (lam_thao.target, lam_thao.registered, lam_thao.active) == (1000, 4, 3)
    assert (lam_thao.sessions, lam_thao.check_ins, lam_thao.lessons_completed) == (2, 3, 9)
    assert (lam_thao.badges, lam_thao.covered) == (2, 2)
    assert round(lam_thao.coverage_pct, 1) == 0.2 and round(lam_thao.registered_pct, 1) == 0.4
    thuy_nhat, phu_thinh = f["08494-001"], f["08494-002"]
    assert (thuy_nhat.target, thuy_nhat.registered, thuy_nhat.active) == (400, 3, 2)
    assert (thuy_nhat.sessions, thuy_nhat.check_ins, thuy_nhat.lessons_completed) == (1, 2, 9)
    assert (thuy_nhat.badges, thuy_nhat.covered) == (1, 1)
    assert (phu_thinh.registered, phu_thinh.sessions, phu_thinh.check_ins) == (1, 1, 1)
    assert (phu_thinh.badges, phu_thinh.covered, phu_thinh.lessons_completed) == (1, 1, 0)


def test_figures_roll_up_to_province_and_country(commune, places):
    f = _figures(places)
    assert (f["25"].target, f["25"].registered, f["25"].lessons_completed) == (1000, 4, 9)
    assert (f["VN"].target, f["VN"].registered, f["VN"].lessons_completed) == (1000, 5, 10)
    assert (f["24"].registered, f["24"].lessons_completed, f["24"].target) == (1, 1, 0)
    assert f["24"].coverage_pct is None  # no target: no percentage, not a division by zero


def test_course_filter(commune, places):
    f = _figures(places, course="thanh-toan")["08494"]
    assert (f.sessions, f.check_ins, f.lessons_completed, f.badges, f.covered) == (1, 2, 9, 1, 1)
    assert f.registered == 4  # residents are residents, whatever the course
    f = _figures(places, course="dien-thoai")["08494"]
    assert (f.sessions, f.check_ins, f.lessons_completed, f.badges) == (1, 1, 0, 1)


def test_date_filter(commune, places):
    last_week = today() - timedelta(days=30)
    old = _figures(places, end=last_week)["08494"]
    assert (old.registered, old.sessions, old.lessons_completed, old.badges) == (0, 0, 0, 0)
    recent = _figures(places, start=today() - timedelta(days=3))["08494"]
    assert (recent.sessions, recent.check_ins) == (2, 3)


def test_revoking_a_badge_takes_it_out(commune, places):
    trainer = commune["trainer"]
    badge = _db.session.scalar(select(Badge).where(Badge.course_slug == "thanh-toan"))
    badges.revoke(badge, by=trainer, reason="Cấp nhầm")
    _db.session.commit()
    f = _figures(places)["08494"]
    assert (f.badges, f.covered) == (1, 1)


def _tables():
    _db.session.flush()
    daily = {
        (r.area_id, r.day, r.course_slug): tuple(getattr(r, c) for c in stats.COUNTERS)
        for r in _db.session.scalars(select(AreaDaily))
    }
    daily = {k: v for k, v in daily.items() if any(v)}
    active = {
        (r.area_id, r.day): r.residents
        for r in _db.session.scalars(select(AreaActive))
        if r.residents
    }
    last = {(r.user_id, r.day) for r in _db.session.scalars(select(LastActive))}
    return daily, active, last


def test_rebuild_gives_what_the_events_built(commune, places):
    # A few more changes of the kinds that move counts around.
    s1, _s2, _s3 = commune["sessions"]
    from learnapp.attendance import services as attendance
    from learnapp.lessons.loader import get_catalogue

    attendance.save_session(
        s1,
        creator=commune["trainer"],
        area=places.phu_thinh,
        team=None,
        title="S1 moved",
        place="Nhà văn hóa",
        starts_at=s1.starts_at - timedelta(days=1),
        ends_at=s1.ends_at - timedelta(days=1),
        course_slugs=["thanh-toan", "dien-thoai"],
        known_courses={c.slug for c in get_catalogue().courses},
    )
    badge = _db.session.scalar(select(Badge).where(Badge.course_slug == "dien-thoai"))
    badges.revoke(badge, by=commune["trainer"], reason="Sai")
    _db.session.commit()
    incremental = _tables()
    with writing():
        stats.rebuild()
    rebuilt = _tables()
    assert rebuilt == incremental
    assert len(incremental[0]) > 20


def test_naive_queries_agree(commune, places):
    naive = reports.naive_figures(places.lam_thao, reports.Period(reports.EPOCH, today()))
    f = _figures(places)["08494"]
    assert naive == {
        "registered": f.registered,
        "lessons_completed": f.lessons_completed,
        "covered": f.covered,
        "check_ins": f.check_ins,
    }


def test_the_country_is_the_sum_of_its_provinces_and_has_no_row(commune, places):
    # Every event in the country would otherwise add to the same row, writers queueing.
    country = places.country
    for model in (AreaDaily, AreaActive):
        assert _db.session.scalars(select(model).where(model.area_id == country.id)).first() is None
    f = _figures(places)
    naive = reports.naive_figures(country, reports.Period(reports.EPOCH, today()))
    assert naive == {
        "registered": f["VN"].registered,
        "lessons_completed": f["VN"].lessons_completed,
        "covered": f["VN"].covered,
        "check_ins": f["VN"].check_ins,
    }
    assert f["VN"].check_ins == 3 and f["VN"].registered == 5
    for name in ("active", "sessions", "badges"):
        assert getattr(f["VN"], name) == getattr(f["25"], name) + getattr(f["24"], name)
    period = reports.Period(reports.EPOCH, today())
    by_course = Counter(reports.badges_by_course(country, period))
    by_course.subtract(reports.badges_by_course(places.phu_tho, period))
    by_course.subtract(reports.badges_by_course(places.bac_ninh, period))
    assert set(by_course.values()) == {0}
    weeks = reports.weekly_trend(country, "", today())
    assert sum(w.lessons_completed for w in weeks) == 10
    with writing():
        stats.rebuild()
    assert (
        _db.session.scalars(select(AreaDaily).where(AreaDaily.area_id == country.id)).first()
        is None
    )


def test_days_are_vietnam_days(app):
    from datetime import datetime

    assert stats.local_day(datetime(2026, 11, 28, 18, 30)) == date(2026, 11, 29)  # 01:30 +07
    assert stats.local_day(datetime(2026, 11, 28, 16, 59)) == date(2026, 11, 28)

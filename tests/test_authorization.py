"""Who may open what: every route of the app against every role, and staff inside and
outside their area.

The table below has one row per route (endpoint and method) of ``app.url_map``; a route
added without a row fails ``test_every_route_has_a_row``. Each row gives the request and
the answer expected for, in order:

    V   a visitor (not signed in)
    R   a resident of Khu Thùy Nhật (Xã Lâm Thao, Phú Thọ)
    T   a trainer of Xã Lâm Thao              TO  a trainer of Xã Lâm Thao (Bắc Ninh)
    O   an official of Xã Lâm Thao            OO  an official of Xã Lâm Thao (Bắc Ninh)
    A   an administrator (the whole country)

The objects named in paths ({session}, {badge}, …) belong to Xã Lâm Thao, Phú Thọ. A
"302" for a visitor is the way to the sign-in page (checked); 403 is "not yours"; 404 is
"no such thing" (or a thing one may not learn exists). POST requests carry empty or
harmless bodies: the point is who gets through, not what the form then says (a 422 is a
form that let the person in and explained what was missing; some forms answer a mistake
with a redirect and a message, 302; a POST to /u/<card>/checkin without a session names
no session: 404).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from learnapp.attendance import services as attendance
from learnapp.attendance.models import Method
from learnapp.badges import services as badges
from learnapp.badges.models import Badge
from learnapp.core.time import utcnow
from learnapp.dashboard.models import ApiClient, hash_token
from learnapp.extensions import db as _db
from learnapp.lessons.loader import get_catalogue
from tests.conftest import DEFAULT_PASSWORD, DEFAULT_PIN

ROLES = ("V", "R", "T", "TO", "O", "OO", "A")

S = "/sessions/{session}"
#   endpoint, method: path, "V R T TO O OO A"
TABLE: dict[tuple[str, str], tuple[str, str]] = {
    # Public pages and files
    ("home.index", "GET"): ("/", "200 200 200 200 200 200 200"),
    ("core.healthz", "GET"): ("/healthz", "200 200 200 200 200 200 200"),
    ("core.privacy", "GET"): ("/privacy", "200 200 200 200 200 200 200"),
    ("core.set_text_size", "POST"): ("/text-size", "302 302 302 302 302 302 302"),
    ("static", "GET"): ("/static/css/app.css", "200 200 200 200 200 200 200"),
    ("pwa.manifest", "GET"): ("/manifest.webmanifest", "200 200 200 200 200 200 200"),
    ("pwa.service_worker", "GET"): ("/sw.js", "200 200 200 200 200 200 200"),
    ("pwa.offline", "GET"): ("/offline", "200 200 200 200 200 200 200"),
    ("areas.picker", "GET"): ("/areas/picker", "200 200 200 200 200 200 200"),
    ("lessons.catalogue", "GET"): ("/lessons/", "200 200 200 200 200 200 200"),
    ("lessons.search", "GET"): ("/lessons/search?q=qr", "200 200 200 200 200 200 200"),
    ("lessons.course", "GET"): ("/lessons/{course}/", "200 200 200 200 200 200 200"),
    ("lessons.lesson", "GET"): ("/lessons/{course}/{lesson}", "200 200 200 200 200 200 200"),
    ("lessons.act", "POST"): ("/lessons/{course}/{lesson}", "400 400 400 400 400 400 400"),
    ("lessons.handout", "GET"): (
        "/lessons/{course}/{lesson}/handout",
        "200 200 200 200 200 200 200",
    ),
    ("lessons.image", "GET"): ("/lessons/{course}/images/{image}", "200 200 200 200 200 200 200"),
    ("lessons.merge", "POST"): ("/lessons/merge", "302 303 303 303 303 303 303"),
    # Badges: public verification, the holder's own, staff of the holder's area
    ("badges.verify", "GET"): ("/b/{badge}", "200 200 200 200 200 200 200"),
    ("badges.certificate", "GET"): ("/b/{badge}/certificate", "200 200 200 200 200 200 200"),
    ("badges.credential_json", "GET"): (
        "/b/{badge}/credential.json",
        "200 200 200 200 200 200 200",
    ),
    ("badges.credential_jwt", "GET"): ("/b/{badge}/credential.jwt", "200 200 200 200 200 200 200"),
    ("badges.status", "GET"): ("/b/{badge}/status", "200 200 200 200 200 200 200"),
    ("badges.issuer", "GET"): ("/badges/issuer", "200 200 200 200 200 200 200"),
    ("badges.jwks", "GET"): ("/badges/jwks.json", "200 200 200 200 200 200 200"),
    ("badges.achievement", "GET"): (
        "/badges/achievements/dien-thoai",
        "200 200 200 200 200 200 200",
    ),
    ("badges.mine", "GET"): ("/badges/", "302 200 200 200 200 200 200"),
    ("badges.seen", "POST"): ("/badges/seen", "302 303 303 303 303 303 303"),
    ("badges.person", "GET"): ("/badges/people/{resident}", "302 403 200 403 200 403 200"),
    ("badges.revoke", "POST"): ("/b/{badge}/revoke", "302 403 403 403 302 403 302"),
    ("badges.reissue", "POST"): ("/b/{badge}/reissue", "302 403 403 403 302 403 302"),
    ("badges.skills", "GET"): (S + "/skills", "302 403 200 403 200 403 200"),
    ("badges.skills", "POST"): (S + "/skills", "302 403 200 403 200 403 200"),
    # Signing in, the profile, my data
    ("auth.login", "GET"): ("/login", "200 302 302 302 302 302 302"),
    ("auth.login", "POST"): ("/login", "422 422 422 422 422 422 422"),
    ("auth.second_factor", "GET"): ("/login/code", "302 302 302 302 302 302 302"),
    ("auth.second_factor", "POST"): ("/login/code", "302 302 302 302 302 302 302"),
    ("auth.logout", "POST"): ("/logout", "302 302 302 302 302 302 302"),
    ("auth.register", "GET"): ("/register", "200 302 302 302 302 302 302"),
    ("auth.register", "POST"): ("/register", "422 302 302 302 302 302 302"),
    ("auth.profile", "GET"): ("/profile", "302 200 200 200 200 200 200"),
    ("auth.profile", "POST"): ("/profile", "302 422 422 422 422 422 422"),
    ("auth.change_secret", "GET"): ("/profile/secret", "302 200 200 200 200 200 200"),
    ("auth.change_secret", "POST"): ("/profile/secret", "302 422 422 422 422 422 422"),
    ("auth.two_factor", "GET"): ("/profile/two-factor", "302 403 200 200 200 200 200"),
    ("auth.two_factor", "POST"): ("/profile/two-factor", "302 403 302 302 302 302 302"),
    ("privacy.index", "GET"): ("/profile/data", "302 200 200 200 200 200 200"),
    ("privacy.data_json", "GET"): ("/profile/data.json", "302 200 200 200 200 200 200"),
    ("privacy.data_csv", "GET"): ("/profile/data.csv", "302 200 200 200 200 200 200"),
    ("privacy.delete", "POST"): ("/profile/delete", "302 422 403 403 403 403 403"),
    # Check-in: scanning, codes, cards
    ("attendance.self_check_in", "GET"): ("/c/not-a-token", "404 404 404 404 404 404 404"),
    ("attendance.enter_code", "GET"): ("/c/", "200 200 200 200 200 200 200"),
    ("attendance.enter_code", "POST"): ("/c/", "422 422 422 422 422 422 422"),
    ("attendance.claim", "GET"): ("/c/claim", "410 410 410 410 410 410 410"),
    ("attendance.claim", "POST"): ("/c/claim", "410 410 410 410 410 410 410"),
    ("attendance.checked_in", "GET"): ("/c/done/{session}", "302 200 404 404 404 404 404"),
    ("attendance.my_card", "GET"): ("/me/card", "302 200 200 200 200 200 200"),
    ("attendance.new_card", "POST"): ("/me/card/new", "302 302 302 302 302 302 302"),
    ("attendance.card", "GET"): ("/u/{card}", "200 302 200 200 200 200 200"),
    ("attendance.card_check_in", "POST"): ("/u/{card}/checkin", "302 403 404 404 404 404 404"),
    ("attendance.print_cards", "GET"): ("/cards/{area}", "302 403 200 403 200 403 200"),
    # Training sessions (staff of the session's area)
    ("attendance.sessions", "GET"): ("/sessions/", "302 403 200 200 200 200 200"),
    ("attendance.activity", "GET"): ("/sessions/activity", "302 403 200 200 200 200 200"),
    ("attendance.new_session", "GET"): ("/sessions/new", "302 403 200 200 200 200 200"),
    ("attendance.new_session", "POST"): ("/sessions/new", "302 403 422 422 422 422 422"),
    ("attendance.session_page", "GET"): (S, "302 403 200 403 200 403 200"),
    ("attendance.edit_session", "GET"): (S + "/edit", "302 403 200 403 200 403 200"),
    ("attendance.edit_session", "POST"): (S + "/edit", "302 403 422 403 422 403 422"),
    ("attendance.show_qr", "GET"): (S + "/qr", "302 403 200 403 200 403 200"),
    ("attendance.scan", "GET"): (S + "/scan", "302 403 200 403 200 403 200"),
    ("attendance.desk", "GET"): (S + "/desk", "302 403 200 403 200 403 200"),
    ("attendance.roster", "GET"): (S + "/roster", "302 403 200 403 200 403 200"),
    ("attendance.attendance_sheet", "GET"): (S + "/sheet", "302 403 200 403 200 403 200"),
    ("attendance.export_csv", "GET"): (S + "/attendance.csv", "302 403 200 403 200 403 200"),
    ("attendance.manual_check_in", "POST"): (S + "/checkin", "302 403 302 403 302 403 302"),
    ("attendance.register_at_door", "POST"): (S + "/register", "302 403 302 403 302 403 302"),
    ("attendance.cancel_session", "POST"): (S + "/cancel", "302 403 302 403 302 403 302"),
    # Staff pages (bounded by the staff member's area)
    ("staff.index", "GET"): ("/staff/", "302 403 200 200 200 200 200"),
    ("staff.residents", "GET"): ("/staff/residents/", "302 403 200 200 200 200 200"),
    ("staff.new_resident", "GET"): ("/staff/residents/new", "302 403 200 200 200 200 200"),
    ("staff.new_resident", "POST"): ("/staff/residents/new", "302 403 422 422 422 422 422"),
    ("staff.resident", "GET"): ("/staff/residents/{resident}", "302 403 200 403 200 403 200"),
    ("staff.reset_pin", "POST"): (
        "/staff/residents/{resident}/pin",
        "302 403 200 403 200 403 200",
    ),
    ("staff.area", "GET"): ("/staff/areas/{area}", "302 403 200 403 200 403 200"),
    ("staff.edit_area", "POST"): ("/staff/areas/{commune}", "302 403 403 403 422 403 422"),
    ("staff.add_child", "POST"): (
        "/staff/areas/{commune}/children",
        "302 403 403 403 422 403 422",
    ),
    ("staff.targets_template", "GET"): (
        "/staff/areas/{commune}/targets.csv",
        "302 403 403 403 200 403 200",
    ),
    ("staff.import_targets", "POST"): (
        "/staff/areas/{commune}/targets",
        "302 403 403 403 422 403 422",
    ),
    ("staff.teams", "GET"): ("/staff/teams/", "302 403 200 200 200 200 200"),
    ("staff.teams", "POST"): ("/staff/teams/", "302 403 403 403 422 422 422"),
    ("staff.team", "GET"): ("/staff/teams/{team}", "302 403 200 403 200 403 200"),
    ("staff.add_team_member", "POST"): (
        "/staff/teams/{team}/members",
        "302 403 403 403 302 403 302",
    ),
    ("staff.remove_team_member", "POST"): (
        "/staff/teams/{team}/members/{trainer}/remove",
        "302 403 403 403 302 403 302",
    ),
    ("staff.accounts_list", "GET"): ("/staff/accounts/", "302 403 403 403 200 200 200"),
    ("staff.new_account", "GET"): ("/staff/accounts/new", "302 403 403 403 200 200 200"),
    ("staff.new_account", "POST"): ("/staff/accounts/new", "302 403 403 403 422 422 422"),
    ("staff.edit_account", "GET"): (
        "/staff/accounts/{trainer}",
        "302 403 403 403 200 403 200",
    ),
    ("staff.edit_account", "POST"): (
        "/staff/accounts/{trainer}",
        "302 403 403 403 422 403 422",
    ),
    ("staff.set_account_active", "POST"): (
        "/staff/accounts/{other_trainer}/active",
        "302 403 403 403 302 403 302",
    ),
    ("staff.audit_log", "GET"): ("/staff/audit", "302 403 403 403 403 403 200"),
    # Coverage figures
    ("dashboard.index", "GET"): ("/dashboard/", "302 403 403 403 302 302 302"),
    ("dashboard.area", "GET"): ("/dashboard/{commune_code}", "302 403 403 403 200 403 200"),
    ("dashboard.export_csv", "GET"): (
        "/dashboard/{commune_code}/export.csv",
        "302 403 403 403 200 403 200",
    ),
    ("dashboard.export_xlsx", "GET"): (
        "/dashboard/{commune_code}/export.xlsx",
        "302 403 403 403 200 403 200",
    ),
    ("dashboard.report", "GET"): (
        "/dashboard/{commune_code}/report",
        "302 403 403 403 200 403 200",
    ),
    ("dashboard.api_clients", "GET"): ("/dashboard/api-clients", "302 403 403 403 403 403 200"),
    ("dashboard.api_clients", "POST"): ("/dashboard/api-clients", "302 403 403 403 403 403 422"),
    ("dashboard.revoke_api_client", "POST"): (
        "/dashboard/api-clients/{client}/revoke",
        "302 403 403 403 403 403 302",
    ),
    # The JSON API: tokens, not sessions, for coverage; the session for sync
    ("api.coverage", "GET"): ("/api/v1/coverage/{commune_code}", "401 401 401 401 401 401 401"),
    ("api.sync_events", "POST"): ("/api/v1/sync", "200 200 200 200 200 200 200"),
}


@pytest.fixture
def world(app, make_user, places):
    """People of every role, and a session, badge, team, card and API client in Lâm Thao."""
    people = {
        "R": make_user(name="Hoàng Thị Thu", area=places.thuy_nhat),
        "T": make_user(role="trainer", area=places.lam_thao, name="Vũ Minh Trang"),
        "TO": make_user(role="trainer", area=places.lam_thao_bn, name="Đỗ Văn Bắc"),
        "O": make_user(role="official", area=places.lam_thao, name="Trần Văn Phúc"),
        "OO": make_user(role="official", area=places.lam_thao_bn, name="Lý Thị Ninh"),
        "A": make_user(role="admin", area=places.country, name="Quản trị viên"),
    }
    other_trainer = make_user(role="trainer", area=places.lam_thao, name="Phạm Văn Tư")
    catalogue = get_catalogue()
    start = utcnow() - timedelta(minutes=30)
    session = attendance.save_session(
        None,
        creator=people["T"],
        area=places.thuy_nhat,
        team=None,
        title="Buổi học",
        place="Nhà văn hóa",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        course_slugs=["dien-thoai"],
        known_courses={c.slug for c in catalogue.courses},
    )
    attendance.check_in(
        session,
        people["R"],
        method=Method.MANUAL,
        client_uuid=str(uuid.uuid4()),
        recorded_by=people["T"],
        at=start + timedelta(minutes=5),
    )
    badges.sign_off(
        session=session,
        person=people["R"],
        trainer=people["T"],
        course_slug="dien-thoai",
        skill_keys=[s.key for s in catalogue.course("dien-thoai").badge.skills],
    )
    from learnapp.areas import services as areas

    team = areas.create_team(area=places.lam_thao, name="Tổ công nghệ số Thùy Nhật")
    areas.add_member(team, people["T"])
    client = ApiClient(name="Sở", token_hash=hash_token("hvs_x"), area=places.phu_tho)
    _db.session.add(client)
    _db.session.commit()
    course = catalogue.course("dien-thoai")
    lesson = course.lessons[0]
    image = next(step.image for step in lesson.steps if step.image)
    values = {
        "session": session.id,
        "badge": _db.session.scalar(_db.select(Badge.public_id)),
        "resident": people["R"].id,
        "trainer": people["T"].id,
        "other_trainer": other_trainer.id,
        "card": people["R"].card_token,
        "area": places.thuy_nhat.id,
        "commune": places.lam_thao.id,
        "commune_code": places.lam_thao.code,
        "team": team.id,
        "client": client.id,
        "course": course.slug,
        "lesson": lesson.slug,
        "image": image,
    }
    return people, values


def _client_for(app, role, people):
    client = app.test_client()
    if role != "V":
        user = people[role]
        secret = DEFAULT_PASSWORD if user.is_staff else DEFAULT_PIN
        response = client.post("/login", data={"phone": user.phone, "secret": secret})
        assert response.status_code == 302, f"{role} could not sign in"
    return client


def test_every_route_has_a_row(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - set(TABLE) == set(), "routes without a row in the table"
    assert set(TABLE) - routes == set(), "rows for routes that no longer exist"


@pytest.mark.parametrize(("endpoint", "method"), sorted(TABLE))
def test_who_gets_in(app, world, endpoint, method):
    people, values = world
    path, answers = TABLE[(endpoint, method)]
    url = path.format(**values)
    expected = dict(zip(ROLES, (int(a) for a in answers.split()), strict=True))
    got = {}
    for role in ROLES:
        client = _client_for(app, role, people)
        if method == "GET":
            response = client.get(url)
        elif endpoint == "api.sync_events":
            response = client.post(url, json={"events": []})
        else:
            response = client.post(url, data={})
        got[role] = response.status_code
        if role == "V" and response.status_code == 302 and expected["V"] == 302:
            location = response.headers["Location"]
            if "/login" not in location and endpoint not in PUBLIC_REDIRECTS:
                got[role] = f"302 to {location}"
    assert got == expected


# Routes whose 302 for a visitor goes somewhere else than the sign-in page, on purpose.
PUBLIC_REDIRECTS = {
    "core.set_text_size",  # back to the page
    "auth.second_factor",  # nothing pending: to the sign-in page, with a message
    "auth.logout",
}

"""/api/v1/coverage/<code> for the province's systems, and the admin page of its tokens."""

import re

import pytest
from sqlalchemy import select

from learnapp.core.audit import AuditEntry
from learnapp.dashboard.models import ApiClient
from learnapp.extensions import db as _db
from tests.conftest import page_text


@pytest.fixture
def admin(make_user, places):
    return make_user(role="admin", area=places.country, name="Quản trị viên")


@pytest.fixture
def token(client, login, admin, places):
    """A token for Tỉnh Phú Thọ, made the way an admin makes one."""
    login(admin)
    response = client.post(
        "/dashboard/api-clients", data={"name": "Sở TT&TT Phú Thọ", "area": "25"}
    )
    assert response.status_code == 200
    found = re.search(r'id="api-token">([^<]+)<', response.get_data(as_text=True)).group(1)
    client.post("/logout")
    return found


def _get(client, path, token=None, **headers):
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.get(path, headers=headers)


def test_coverage_gives_the_dashboards_figures(client, token, commune):
    response = _get(client, "/api/v1/coverage/08494", token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    area = body["area"]
    assert area["code"] == "08494" and area["name"] == "Xã Lâm Thao"
    assert (area["target_population"], area["registered"], area["active_30_days"]) == (1000, 4, 3)
    assert (area["sessions_held"], area["attendances"], area["lessons_completed"]) == (2, 3, 9)
    assert (area["badges"], area["residents_with_badge"], area["coverage_pct"]) == (2, 2, 0.2)
    assert area["badges_by_course"] == {"dien-thoai": 1, "thanh-toan": 1}
    assert sorted(c["code"] for c in body["children"]) == ["08494-001", "08494-002"]
    assert body["period"]["course"] is None and body["period"]["from"] == "2025-01-01"


def test_coverage_filters(client, token, commune):
    body = _get(client, "/api/v1/coverage/25?course=dien-thoai", token).get_json()
    assert body["period"]["course"] == "dien-thoai"
    assert body["area"]["lessons_completed"] == 0 and body["area"]["sessions_held"] == 1
    body = _get(client, "/api/v1/coverage/25?from=2025-01-01&to=2025-01-31", token).get_json()
    assert body["area"]["registered"] == 0 and body["period"]["to"] == "2025-01-31"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer hvs_not-a-real-token"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
)
def test_bad_or_missing_token_is_401_json(client, places, headers):
    response = client.get("/api/v1/coverage/25", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401 and "Bearer" in response.get_json()["error"]


def test_unknown_area_is_404_json(client, token):
    response = _get(client, "/api/v1/coverage/99999", token)
    assert response.status_code == 404
    assert response.get_json() == {"error": "Không có khu vực nào mang mã 99999.", "status": 404}


def test_area_outside_the_tokens_scope_is_403(client, token, places):
    response = _get(client, "/api/v1/coverage/24", token)
    assert response.status_code == 403 and response.get_json()["status"] == 403
    assert _get(client, "/api/v1/coverage/VN", token).status_code == 403


def test_english_error_for_an_english_client(client, token):
    response = _get(client, "/api/v1/coverage/99999", token, **{"Accept-Language": "en"})
    assert response.get_json()["error"] == "No area has the code 99999."


def test_revoked_token_stops_working_and_use_is_audited(client, login, admin, token, places):
    assert _get(client, "/api/v1/coverage/25", token).status_code == 200
    found = _db.session.scalar(select(ApiClient))
    assert found.last_used_at is not None
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api.coverage"))
    assert entry.actor_label == "API: Sở TT&TT Phú Thọ" and entry.target == "25"
    login(admin)
    response = client.post(f"/dashboard/api-clients/{found.id}/revoke", follow_redirects=True)
    assert "Mã truy cập đã hết hiệu lực." in page_text(response)
    assert _get(client, "/api/v1/coverage/25", token).status_code == 401


def test_only_a_hash_of_the_token_is_stored(client, token):
    stored = _db.session.scalar(select(ApiClient))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert stored.area.code == "25"


def test_token_form_explains_mistakes_and_keeps_input(client, login, admin, places):
    login(admin)
    response = client.post("/dashboard/api-clients", data={"name": "Hệ thống tỉnh", "area": "777"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Không có khu vực nào mang mã này." in text
    assert 'value="Hệ thống tỉnh"' in response.get_data(as_text=True)
    response = client.post("/dashboard/api-clients", data={"name": " ", "area": "25"})
    assert response.status_code == 422
    assert _db.session.scalar(select(ApiClient)) is None


@pytest.mark.parametrize("role", ["official", "trainer"])
def test_only_admins_manage_tokens(client, login, make_user, places, role):
    login(make_user(role=role, area=places.phu_tho if role == "official" else places.lam_thao))
    assert client.get("/dashboard/api-clients").status_code == 403
    assert (
        client.post("/dashboard/api-clients", data={"name": "x", "area": "25"}).status_code == 403
    )


def _openapi():
    """The OpenAPI block of docs/api.md, the contract the province's systems read."""
    from pathlib import Path

    import yaml

    text = (Path(__file__).parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(openapi: 3\.1\.0.*?)```", text, re.S).group(1)
    return yaml.safe_load(block)


@pytest.mark.parametrize(
    ("path", "status", "schema"),
    [
        ("/api/v1/coverage/25", 200, "Coverage"),
        ("/api/v1/coverage/08494?course=thanh-toan&from=2026-01-01", 200, "Coverage"),
        ("/api/v1/coverage/08494-001", 200, "Coverage"),
        ("/api/v1/coverage/nope", 404, "Error"),
        ("/api/v1/coverage/24", 403, "Error"),
    ],
)
def test_responses_match_the_documented_contract(client, token, commune, path, status, schema):
    from jsonschema import Draft202012Validator

    document = _openapi()
    operation = document["paths"]["/api/v1/coverage/{code}"]["get"]
    assert str(status) in operation["responses"]
    response = _get(client, path, token)
    assert response.status_code == status
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    )
    errors = [e.message for e in validator.iter_errors(response.get_json())]
    assert errors == []


def test_the_contract_rejects_a_wrong_shape():
    from jsonschema import Draft202012Validator

    document = _openapi()
    validator = Draft202012Validator(
        {"$ref": "#/components/schemas/Coverage", "components": document["components"]}
    )
    assert not validator.is_valid({"area": {"code": "25"}, "children": []})

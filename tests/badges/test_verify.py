"""Anyone can verify a badge: its page, its Open Badges 3.0 credential signed as a VC-JWT
with the published Ed25519 key, and its revocation."""

import json
from pathlib import Path

import jwt
import pytest
from jsonschema import Draft201909Validator
from sqlalchemy import select

from learnapp.badges.models import Badge
from learnapp.extensions import db as _db
from tests.conftest import page_text

SCHEMAS = Path(__file__).parent / "schemas"


def validator(name: str) -> Draft201909Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


@pytest.fixture
def badge(make_user, pass_lessons, attend):
    resident = make_user(name="Hoàng Thị Thích")
    pass_lessons(resident)
    attend(resident)
    return _db.session.scalar(select(Badge))


def test_the_public_page_shows_what_a_verifier_needs(client, badge):
    response = client.get(f"/b/{badge.public_id}")
    assert response.status_code == 200
    text = page_text(response)
    for expected in [
        "Thanh toán số an toàn",
        "Huy hiệu hợp lệ",
        "Hoàng Thị T.",
        "Xã Lâm Thao",
        "Tỉnh Phú Thọ",
        "VietQR",
    ]:
        assert expected in text
    assert "Hoàng Thị Thích" not in text  # the full name stays private
    html = response.get_data(as_text=True)
    assert (
        f'<link rel="alternate" type="application/ld+json" '
        f'href="/b/{badge.public_id}/credential.json">'
    ) in html
    assert '<svg class="qr"' in html


def test_the_credential_validates_against_the_open_badges_3_schema(client, badge):
    response = client.get(f"/b/{badge.public_id}/credential.json")
    assert response.mimetype == "application/ld+json"
    document = response.json
    errors = sorted(
        validator("ob_v3p0_achievementcredential_schema.json").iter_errors(document), key=str
    )
    assert [e.message for e in errors] == []
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"].endswith(f"/b/{badge.public_id}")
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["id"].endswith("/badges/achievements/thanh-toan")
    assert client.get(achievement["id"].split("localhost", 1)[-1]).status_code == 200


def test_the_issuer_profile_validates_too(client):
    profile = client.get("/badges/issuer").json
    errors = list(validator("ob_v3p0_profile_schema.json").iter_errors(profile))
    assert [e.message for e in errors] == []


def test_the_vc_jwt_verifies_offline_with_the_published_key(client, badge):
    token = client.get(f"/b/{badge.public_id}/credential.jwt").get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA"
    keys = client.get("/badges/jwks.json").json["keys"]
    jwk = next(k for k in keys if k["kid"] == header["kid"])
    public = jwt.PyJWK(jwk).key
    claims = jwt.decode(token, public, algorithms=["EdDSA"], options={"verify_aud": False})
    document = client.get(f"/b/{badge.public_id}/credential.json").json
    assert claims["vc"] == document
    assert claims["jti"] == document["id"] and claims["iss"] == document["issuer"]["id"]
    # A changed credential no longer verifies.
    head, payload, signature = token.split(".")
    forged = ".".join(
        [head, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature]
    )
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(forged, public, algorithms=["EdDSA"])


def test_the_key_is_made_once_and_kept(app, client, badge):
    first = client.get("/badges/jwks.json").json["keys"]
    again = client.get("/badges/jwks.json").json["keys"]
    assert first == again and len(first) == 1
    key_file = Path(app.instance_path) / "badge_keys" / "current.pem"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_revoked_badges_verify_as_revoked(client, login, badge, staff):
    _trainer, official = staff
    login(official)
    response = client.post(f"/b/{badge.public_id}/revoke", data={"reason": ""})
    assert "nêu lý do" in page_text(client.get(response.headers["Location"]))
    client.post(f"/b/{badge.public_id}/revoke", data={"reason": "Cấp nhầm người"})
    client.post("/logout")
    text = page_text(client.get(f"/b/{badge.public_id}"))
    assert "Đã thu hồi ngày" in text and "Cấp nhầm người" in text
    assert "Huy hiệu hợp lệ" not in text
    status = client.get(f"/b/{badge.public_id}/status").json
    assert status["revoked"] is True and status["reason"] == "Cấp nhầm người"
    document = client.get(f"/b/{badge.public_id}/credential.json").json
    assert document["credentialStatus"]["id"].endswith(f"/b/{badge.public_id}/status")


def test_reissue_after_a_correction(client, login, badge, staff):
    _trainer, official = staff
    login(official)
    client.post(f"/b/{badge.public_id}/revoke", data={"reason": "Sai tên"})
    response = client.post(f"/b/{badge.public_id}/reissue")
    new_page = response.headers["Location"]
    assert new_page != f"/b/{badge.public_id}"
    assert "Huy hiệu hợp lệ" in page_text(client.get(new_page))
    assert "Đã thu hồi" in page_text(client.get(f"/b/{badge.public_id}"))
    again = client.post(f"/b/{badge.public_id}/reissue")  # twice: refused
    assert "đã được cấp lại rồi" in page_text(client.get(again.headers["Location"]))
    revisions = _db.session.scalars(select(Badge.revision).order_by(Badge.revision)).all()
    assert revisions == [1, 2]


def test_only_officials_of_the_area_revoke(client, login, badge, staff, make_user, places):
    trainer, _official = staff
    login(trainer)
    assert client.post(f"/b/{badge.public_id}/revoke", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    login(make_user(role="official", area=places.lam_thao_bn))
    assert client.post(f"/b/{badge.public_id}/revoke", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    assert client.post(f"/b/{badge.public_id}/revoke", data={"reason": "x"}).status_code == 302
    assert _db.session.scalar(select(Badge)).revoked_at is None


@pytest.mark.parametrize("public_id", ["nope", "A" * 22, "x" * 300, "Zm9yZ2VkLWJhZGdlLWlk"])
def test_unknown_and_forged_ids_are_a_clear_not_found(client, badge, public_id):
    response = client.get(f"/b/{public_id}")
    assert response.status_code == 404
    assert "Không tìm thấy huy hiệu" in page_text(response)
    for suffix in ("/credential.json", "/credential.jwt", "/status", "/certificate"):
        assert client.get(f"/b/{public_id}{suffix}").status_code == 404


def test_certificates_print_on_a4_and_a5(client, badge):
    for size, css in (("", "certificate-a4.css"), ("?size=a5", "certificate-a5.css")):
        response = client.get(f"/b/{badge.public_id}/certificate{size}")
        html = response.get_data(as_text=True)
        assert css in html and '<svg class="qr"' in html
        assert "Hoàng Thị T." in page_text(response)

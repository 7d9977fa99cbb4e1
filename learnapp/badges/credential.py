"""Open Badges 3.0: the credential of a badge, signed as a VC-JWT with the app's Ed25519 key.

The key is generated once into the instance folder (``badge_keys/current.pem``); every key
in that folder is published (``/badges/jwks.json``), so badges signed before a key was
rotated still verify. A third party verifies a badge offline with the public key: the
JWT header names the key (``kid``) and where the key set lives (``jku``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app, url_for

from learnapp.badges.models import Badge
from learnapp.lessons.loader import Course
from learnapp.lessons.routes import lesson_image_url

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
SUBJECT_NAMESPACE = uuid.UUID("8c1f5b0e-3d9a-4f55-9a51-2b7e9a1c4d10")


# --- Keys ---------------------------------------------------------------------------------


def keys_dir() -> Path:
    return Path(current_app.instance_path) / "badge_keys"


def signing_key() -> Ed25519PrivateKey:
    """The current signing key, created on first use (mode 0600)."""
    folder = keys_dir()
    folder.mkdir(exist_ok=True)
    path = folder / "current.pem"
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]}, separators=(",", ":"))
    thumbprint = hashlib.sha256(members.encode()).digest()  # RFC 7638
    return {**jwk, "kid": _b64(thumbprint)[:16], "alg": "EdDSA", "use": "sig"}


def published_keys() -> list[dict[str, str]]:
    """The public half of every key in the folder: the current one and rotated ones."""
    signing_key()
    keys = []
    for path in sorted(keys_dir().glob("*.pem")):
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        keys.append(public_jwk(private.public_key()))
    return keys


# --- The documents ------------------------------------------------------------------------


def issuer_id() -> str:
    return url_for("badges.issuer", _external=True)


def issuer_profile() -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": current_app.config["BADGE_ISSUER_NAME"],
        "url": url_for("home.index", _external=True),
        "description": "Bình dân học vụ số: digital skills for everyone.",
    }


def achievement(course: Course, lang: str) -> dict[str, Any]:
    skills = "; ".join(s.text.get(lang) for s in course.badge.skills)
    if lang == "en":
        narrative = (
            f"Pass all {len(course.lessons)} lessons of “{course.title.en}” and attend "
            f"at least {course.badge.sessions} training session(s) covering it; or have "
            f"a trainer see these practical skills: {skills}."
        )
    else:
        narrative = (
            f"Hoàn thành cả {len(course.lessons)} bài của khóa “{course.title.vi}” và "
            f"tham dự ít nhất {course.badge.sessions} buổi học về khóa này; hoặc được "
            f"người hướng dẫn xác nhận các kỹ năng thực hành: {skills}."
        )
    return {
        "id": url_for("badges.achievement", course_slug=course.slug, _external=True),
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": course.badge.name.get(lang),
        "description": course.badge.description.get(lang),
        "criteria": {"narrative": narrative},
        "image": {
            "id": lesson_image_url(course.slug, course.badge.image, external=True),
            "type": "Image",
        },
        "inLanguage": lang,
    }


def _iso(moment) -> str:
    return moment.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z")


def credential(badge: Badge, course: Course, lang: str = "vi") -> dict[str, Any]:
    """The OpenBadgeCredential of ``badge`` (JSON-LD), without a proof: the VC-JWT is it."""
    return {
        "@context": CONTEXT,
        "id": url_for("badges.verify", public_id=badge.public_id, _external=True),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": course.badge.name.get(lang),
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": current_app.config["BADGE_ISSUER_NAME"],
        },
        "validFrom": _iso(badge.issued_at),
        "credentialSubject": {
            "id": f"urn:uuid:{uuid.uuid5(SUBJECT_NAMESPACE, badge.public_id)}",
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": badge.holder_name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": achievement(course, lang),
        },
        "credentialStatus": {
            "id": url_for("badges.status", public_id=badge.public_id, _external=True),
            "type": "1EdTechRevocationList",
        },
    }


def vc_jwt(badge: Badge, course: Course, lang: str = "vi") -> str:
    """The credential as a VC-JWT (Open Badges 3.0, §8.2), signed with EdDSA (Ed25519)."""
    document = credential(badge, course, lang)
    key = signing_key()
    kid = public_jwk(key.public_key())["kid"]
    claims = {
        "vc": document,
        "iss": document["issuer"]["id"],
        "jti": document["id"],
        "sub": document["credentialSubject"]["id"],
        "nbf": int(badge.issued_at.replace(tzinfo=UTC).timestamp()),
    }
    return jwt.encode(
        claims,
        key,
        algorithm="EdDSA",
        headers={"kid": kid, "typ": "JWT", "jku": url_for("badges.jwks", _external=True)},
    )

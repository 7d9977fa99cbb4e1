"""My badges, the public verification page ``/b/<id>`` with its Open Badges 3.0
credential, certificates, revocation, and trainers' sign-off of practical skills."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from learnapp.attendance import services as attendance
from learnapp.attendance.routes import get_session_in_scope
from learnapp.auth.access import managers_required, staff_required
from learnapp.auth.models import User
from learnapp.badges import credential, services
from learnapp.badges.models import Badge
from learnapp.core.errors import UserError
from learnapp.core.qr import qr_svg
from learnapp.extensions import db
from learnapp.lessons.loader import get_catalogue

bp = Blueprint("badges", __name__, template_folder="templates")


def _lang() -> str:
    return str(get_locale())


@bp.app_context_processor
def _new_badges() -> dict:
    """Residents hear about a badge they have just earned, on whatever page comes next."""
    if current_user.is_authenticated and not current_user.is_staff:
        return {"new_badges": services.unseen(current_user)}
    return {"new_badges": []}


@bp.get("/badges/")
@login_required
def mine():
    catalogue = get_catalogue()
    return render_template(
        "badges/mine.html", standings=services.standings(current_user, catalogue), lang=_lang()
    )


@bp.post("/badges/seen")
@login_required
def seen():
    services.mark_seen(current_user)
    db.session.commit()
    return redirect(request.form.get("next") or url_for("badges.mine"), 303)


def _holder_erased(badge: Badge) -> bool:
    holder = db.session.get(User, badge.user_id)
    return holder is None or holder.erased_at is not None


def _badge_or_404(public_id: str) -> tuple[Badge, object]:
    """The badge and its course; 404 for an unknown, mistyped or forged id, 410 when its
    holder deleted their account (it no longer says who holds it)."""
    badge = services.by_public_id(public_id)
    course = get_catalogue().course(badge.course_slug) if badge else None
    if badge is None or course is None:
        abort(404)
    if _holder_erased(badge):
        abort(410)
    return badge, course


@bp.get("/b/<public_id>")
def verify(public_id: str):
    """The public page anyone can open to check a badge (linked from its QR)."""
    badge = services.by_public_id(public_id)
    course = get_catalogue().course(badge.course_slug) if badge else None
    if badge is None or course is None:
        return render_template("badges/not_found.html"), 404
    if _holder_erased(badge):
        return render_template("badges/not_found.html", erased=True), 410
    if current_user.is_authenticated and current_user.id == badge.user_id and not badge.seen_at:
        services.mark_seen(current_user)
        db.session.commit()
    here = url_for("badges.verify", public_id=badge.public_id, _external=True)
    return render_template(
        "badges/verify.html",
        badge=badge,
        course=course,
        lang=_lang(),
        qr=qr_svg(here, label=_("QR code of this page")),
        here=here,
        may_manage=current_user.is_authenticated
        and current_user.is_staff
        and current_user.has_role("official", "admin")
        and current_user.may_manage(badge.area),
    )


@bp.get("/b/<public_id>/credential.json")
def credential_json(public_id: str):
    badge, course = _badge_or_404(public_id)
    response = jsonify(credential.credential(badge, course, _lang()))
    response.mimetype = "application/ld+json"
    return response


@bp.get("/b/<public_id>/credential.jwt")
def credential_jwt(public_id: str):
    badge, course = _badge_or_404(public_id)
    return current_app.response_class(
        credential.vc_jwt(badge, course, _lang()), mimetype="application/vc+jwt"
    )


@bp.get("/b/<public_id>/status")
def status(public_id: str):
    """The credential's status (its ``credentialStatus``): valid, or revoked and when."""
    badge, _course = _badge_or_404(public_id)
    answer = {
        "id": url_for("badges.status", public_id=badge.public_id, _external=True),
        "credential": url_for("badges.verify", public_id=badge.public_id, _external=True),
        "revoked": badge.is_revoked,
    }
    if badge.is_revoked:
        answer["revokedAt"] = credential._iso(badge.revoked_at)
        answer["reason"] = badge.revoked_reason
    response = jsonify(answer)
    response.cache_control.no_cache = True
    return response


@bp.get("/b/<public_id>/certificate")
def certificate(public_id: str):
    badge, course = _badge_or_404(public_id)
    size = "a5" if request.args.get("size") == "a5" else "a4"
    here = url_for("badges.verify", public_id=badge.public_id, _external=True)
    return render_template(
        "badges/certificate.html",
        badge=badge,
        course=course,
        size=size,
        lang=_lang(),
        qr=qr_svg(here, label=_("QR code of this page")),
        here=here,
    )


@bp.post("/b/<public_id>/revoke")
@managers_required
def revoke(public_id: str):
    badge, _course = _badge_or_404(public_id)
    if not current_user.may_manage(badge.area):
        abort(403)
    try:
        services.revoke(badge, by=current_user, reason=request.form.get("reason", ""))
    except UserError as error:
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("The badge is revoked."), "success")
    return redirect(url_for("badges.verify", public_id=badge.public_id))


@bp.post("/b/<public_id>/reissue")
@managers_required
def reissue(public_id: str):
    badge, _course = _badge_or_404(public_id)
    if not current_user.may_manage(badge.area):
        abort(403)
    try:
        new = services.reissue(badge, by=current_user)
    except UserError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("badges.verify", public_id=badge.public_id))
    db.session.commit()
    flash(_("A new badge is issued."), "success")
    return redirect(url_for("badges.verify", public_id=new.public_id))


# --- Open Badges documents ----------------------------------------------------------------


@bp.get("/badges/issuer")
def issuer():
    response = jsonify(
        {
            **credential.issuer_profile(),
            "otherIdentifier": [
                {
                    "type": "IdentifierEntry",
                    "identifier": url_for("badges.jwks", _external=True),
                    "identifierType": "identifier",
                }
            ],
        }
    )
    response.mimetype = "application/ld+json"
    return response


@bp.get("/badges/jwks.json")
def jwks():
    """The public keys that sign badges (JSON Web Key Set): verify a badge offline."""
    return jsonify(keys=credential.published_keys())


@bp.get("/badges/achievements/<course_slug>")
def achievement(course_slug: str):
    course = get_catalogue().course(course_slug)
    if course is None:
        abort(404)
    response = jsonify({"@context": credential.CONTEXT, **credential.achievement(course, _lang())})
    response.mimetype = "application/ld+json"
    return response


# --- Staff: a resident's badges, skills sign-off --------------------------------------------


@bp.get("/badges/people/<int:user_id>")
@staff_required
def person(user_id: int):
    """A resident's standing toward each badge, for the staff of their area."""
    person = db.session.get(User, user_id)
    if person is None:
        abort(404)
    if not current_user.may_manage(person.home_area):
        abort(403)
    return render_template(
        "badges/person.html",
        person=person,
        lang=_lang(),
        standings=services.standings(person, get_catalogue()),
    )


@bp.route("/sessions/<int:session_id>/skills", methods=["GET", "POST"])
@staff_required
def skills(session_id: int):
    """During a session: tick the practical skills a resident has just shown."""
    found = get_session_in_scope(session_id)
    catalogue = get_catalogue()
    courses = [c for c in (catalogue.course(s) for s in found.course_slugs) if c]
    roster = attendance.roster(found)
    person = None
    value = request.values.get("person", "")
    chosen = int(value) if value.isdigit() else None
    if chosen:
        person = next((row.user for row in roster if row.user_id == chosen), None)
        if person is None:
            abort(404)
    if request.method == "POST" and person is not None:
        try:
            new = services.sign_off(
                session=found,
                person=person,
                trainer=current_user,
                course_slug=request.form.get("course", ""),
                skill_keys=request.form.getlist("skills"),
            )
        except UserError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d skill recorded for %(name)s.",
                    "%(num)d skills recorded for %(name)s.",
                    new,
                    name=person.name,
                ),
                "success",
            )
        return redirect(url_for("badges.skills", session_id=found.id, person=person.id))
    done = {}
    if person is not None:
        for standing in services.standings(person, catalogue):
            done[standing.course.slug] = standing
    return render_template(
        "badges/skills.html",
        found=found,
        courses=courses,
        roster=roster,
        person=person,
        done=done,
        lang=_lang(),
    )

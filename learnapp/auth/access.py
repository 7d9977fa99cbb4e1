"""Who may do what: role checks used by every feature's routes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from learnapp.areas.models import Area
from learnapp.auth.models import Role


def roles_required(*roles: Role) -> Callable:
    """Allow signed-in people holding one of ``roles``; others get 403 (visitors: sign in)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.TRAINER, Role.OFFICIAL, Role.ADMIN)
managers_required = roles_required(Role.OFFICIAL, Role.ADMIN)


def require_area_in_scope(area: Area | None) -> Area:
    """Return ``area`` if the signed-in staff member is responsible for it.

    Raises 404 when there is no such area and 403 when it lies outside their area.
    """
    if area is None:
        abort(404)
    if not current_user.may_manage(area):
        abort(403)
    return area

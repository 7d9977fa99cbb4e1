"""Pages that htmx updates in part: one template for the page, one for the fragment."""

from flask import Response, make_response, render_template, request


def render_page(page: str, fragment: str, status: int = 200, **context) -> Response:
    """Render ``fragment`` for htmx requests and ``page`` otherwise (which includes the
    fragment), and tell caches that the answer depends on ``HX-Request``.

    htmx wants the whole page when it restores history it has not cached (we cache none,
    to keep a cheap phone's memory) and for boosted links."""
    partial = request.htmx and not request.htmx.history_restore_request and not request.htmx.boosted
    response = make_response(render_template(fragment if partial else page, **context), status)
    response.vary.add("HX-Request")
    return response

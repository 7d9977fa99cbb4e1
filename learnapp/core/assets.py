"""Static files: content-hashed URLs, compressed once, cached for a year by browsers.

``asset_url("css/app.css")`` gives ``/static/css/app.css?v=3f2a1b9c0d``; the hash changes
whenever the file does, so a new release never serves a stale file, and the service
worker's precache list uses the same URLs.

Files are read once at start-up and kept with their gzip and brotli forms, and served
from memory. This also works around a defect of Flask-Compress 1.25, which leaves the
file of a streamed response (``send_file``) open when it compresses it.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response, abort, has_request_context, request, url_for
from flask.sessions import SecureCookieSessionInterface

ONE_YEAR = 365 * 24 * 3600


class AssetResponse(Response):
    """A file from the app's folders: the same bytes for every reader, whatever their
    language or cookies, so it says ``Vary`` only on the encoding. (A stored response that
    also varied on ``Accept-Language`` was missed by the service worker's precache when a
    request carried that header, and a lesson opened offline came without its script.)"""


COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/manifest+json",
    "application/wasm",
)
mimetypes.add_type("application/wasm", ".wasm")


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    mimetype: str
    digest: str
    gzip: bytes | None
    brotli: bytes | None

    @classmethod
    def read(cls, path: Path) -> StoredFile:
        data = path.read_bytes()
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mimetype == "text/javascript" or path.suffix == ".js":
            mimetype = "text/javascript"
        squeeze = mimetype.startswith(COMPRESSIBLE) and len(data) > 500
        return cls(
            data=data,
            mimetype=mimetype,
            digest=hashlib.sha256(data).hexdigest()[:10],
            gzip=gzip.compress(data, 9 if len(data) < 200_000 else 6, mtime=0) if squeeze else None,
            # Best compression for the small files every page loads; quicker for big ones.
            brotli=brotli.compress(data, quality=11 if len(data) < 200_000 else 7)
            if squeeze
            else None,
        )

    def response(self, version: str | None) -> Response:
        """The file, compressed as the browser accepts, cached forever when ``version``
        (the ``v`` of its URL) matches its content."""
        body, encoding = self.data, None
        if self.brotli is not None and "br" in request.accept_encodings:
            body, encoding = self.brotli, "br"
        elif self.gzip is not None and "gzip" in request.accept_encodings:
            body, encoding = self.gzip, "gzip"
        response = AssetResponse(body, mimetype=self.mimetype)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        if self.gzip is not None:
            response.vary.add("Accept-Encoding")
        response.set_etag(f"{self.digest}-{encoding or 'identity'}")
        if version == self.digest:
            response.cache_control.public = True
            response.cache_control.max_age = ONE_YEAR
            response.cache_control.immutable = True
        else:
            response.cache_control.no_cache = True
        return response.make_conditional(request)


_read: dict[str, tuple[tuple, dict[str, StoredFile]]] = {}


def read_folder(root: Path) -> dict[str, StoredFile]:
    """Every file under ``root``, read and compressed; apps of one process share the result
    while the files are unchanged."""
    paths = sorted(Path(folder) / name for folder, _d, names in os.walk(root) for name in names)
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    cached = _read.get(str(root))
    if cached is None or cached[0] != signature:
        files = {p.relative_to(root).as_posix(): StoredFile.read(p) for p in paths}
        cached = _read[str(root)] = (signature, files)
    return cached[1]


class AssetSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, minus ``Vary: Cookie`` on files: Flask-Login 0.6
    reads the session after every request (its remember-cookie hook), which makes Flask mark
    every response, static files included, as varying on cookies."""

    def save_session(self, app: Flask, session, response: Response) -> None:  # type: ignore[override]
        super().save_session(app, session, response)
        if isinstance(response, AssetResponse):
            # (HeaderSet.discard does not write back to the headers in Werkzeug 3.1.)
            response.vary = [h for h in response.vary if h.lower() != "cookie"]


class Assets:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}
        self._urls: dict[tuple[str, str], str] = {}

    def init_app(self, app: Flask) -> None:
        self.files = read_folder(Path(app.config["STATIC_ROOT"]))
        self._urls = {}
        app.extensions["assets"] = self
        app.session_interface = AssetSessionInterface()
        app.jinja_env.globals["asset_url"] = self.url
        app.add_url_rule("/static/<path:filename>", "static", self.serve)

    def url(self, path: str) -> str:
        """The URL of a static file, with its content hash (built once per path)."""
        key = (request.script_root if has_request_context() else "", path)
        url = self._urls.get(key)
        if url is None:
            stored = self.files.get(path)
            url = self._urls[key] = url_for(
                "static", filename=path, v=stored.digest if stored else "0"
            )
        return url

    def serve(self, filename: str) -> Response:
        stored = self.files.get(filename)
        if stored is None:
            abort(404)
        return stored.response(request.args.get("v"))


assets = Assets()

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
from flask import Flask, Response, abort, request, url_for

ONE_YEAR = 365 * 24 * 3600
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/manifest+json",
)


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
            gzip=gzip.compress(data, 9, mtime=0) if squeeze else None,
            brotli=brotli.compress(data, quality=11) if squeeze else None,
        )

    def response(self, version: str | None) -> Response:
        """The file, compressed as the browser accepts, cached forever when ``version``
        (the ``v`` of its URL) matches its content."""
        body, encoding = self.data, None
        if self.brotli is not None and "br" in request.accept_encodings:
            body, encoding = self.brotli, "br"
        elif self.gzip is not None and "gzip" in request.accept_encodings:
            body, encoding = self.gzip, "gzip"
        response = Response(body, mimetype=self.mimetype)
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


def read_folder(root: Path) -> dict[str, StoredFile]:
    files = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            files[path.relative_to(root).as_posix()] = StoredFile.read(path)
    return files


class Assets:
    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}

    def init_app(self, app: Flask) -> None:
        self.files = read_folder(Path(app.config["STATIC_ROOT"]))
        app.extensions["assets"] = self
        app.jinja_env.globals["asset_url"] = self.url
        app.add_url_rule("/static/<path:filename>", "static", self.serve)

    def url(self, path: str) -> str:
        stored = self.files.get(path)
        return url_for("static", filename=path, v=stored.digest if stored else "0")

    def serve(self, filename: str) -> Response:
        stored = self.files.get(filename)
        if stored is None:
            abort(404)
        return stored.response(request.args.get("v"))


assets = Assets()

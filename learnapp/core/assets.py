"""Static files with content hashes in their URLs, cached for a year by browsers.

``asset_url("css/app.css")`` gives ``/static/css/app.css?v=3f2a1b9c``; the hash changes
whenever the file does, so a new release never serves a stale file, and the service
worker's precache list uses the same URLs.
"""

from __future__ import annotations

import hashlib
import os

from flask import Flask, Response, request, url_for

ONE_YEAR = 365 * 24 * 3600


class Assets:
    def __init__(self) -> None:
        self.hashes: dict[str, str] = {}

    def init_app(self, app: Flask) -> None:
        root = app.static_folder or ""
        for folder, _dirs, files in os.walk(root):
            for name in files:
                full = os.path.join(folder, name)
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, "rb") as fh:
                    self.hashes[rel] = hashlib.sha256(fh.read()).hexdigest()[:10]
        app.extensions["assets"] = self
        app.jinja_env.globals["asset_url"] = self.url
        app.after_request(self._cache_headers)

    def url(self, path: str) -> str:
        return url_for("static", filename=path, v=self.hashes.get(path, "0"))

    def _cache_headers(self, response: Response) -> Response:
        if request.endpoint == "static":
            path = (request.view_args or {}).get("filename", "")
            if request.args.get("v") and request.args.get("v") == self.hashes.get(path):
                response.cache_control.public = True
                response.cache_control.max_age = ONE_YEAR
                response.cache_control.immutable = True
            else:
                response.cache_control.no_cache = True
        return response


assets = Assets()

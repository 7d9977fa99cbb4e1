"""Installable and offline: the web app manifest, the service worker, the offline page."""

from learnapp.pwa.routes import bp

__all__ = ["bp"]

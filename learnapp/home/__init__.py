"""Role-aware home pages. Stands on every feature; no feature imports it."""

from learnapp.home.routes import bp

__all__ = ["bp"]

"""The JSON API: ``/api/v1/sync`` for devices. Stands on the features; no feature imports it."""

from learnapp.api.routes import bp

__all__ = ["bp"]

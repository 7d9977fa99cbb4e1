"""The ground floor every feature uses: health check, errors, headers, assets, privacy."""

from learnapp.core.routes import bp

__all__ = ["bp"]

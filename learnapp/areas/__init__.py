"""The area tree (country → province → commune → residential area) and teams."""

from learnapp.areas.routes import bp

__all__ = ["bp"]

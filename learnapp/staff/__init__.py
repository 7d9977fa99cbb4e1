"""Staff management: areas, teams, staff accounts and residents, within one's area."""

from learnapp.staff.routes import bp

__all__ = ["bp"]

"""Completion badges: earned automatically, shown, printed and verifiable by anyone."""

from learnapp.badges.routes import bp

__all__ = ["bp"]

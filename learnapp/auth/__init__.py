"""Accounts, sign-in, registration and profiles."""

from learnapp.auth.routes import bp

__all__ = ["bp"]

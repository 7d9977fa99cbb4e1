"""A person's own data: download it (JSON, CSV) and delete the account. Stands on every
feature; no feature imports it."""

from learnapp.privacy.routes import bp

__all__ = ["bp"]

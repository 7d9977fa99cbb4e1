"""Training sessions and QR check-in: residents scan the trainer, trainers scan residents."""

from learnapp.attendance.routes import bp

__all__ = ["bp"]

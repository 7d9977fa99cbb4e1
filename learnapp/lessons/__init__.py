"""Courses and lessons: the catalogue, the reader, the quiz and learning progress."""

from learnapp.lessons.routes import bp

__all__ = ["bp"]

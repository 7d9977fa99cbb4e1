"""WSGI entry point: ``gunicorn wsgi:app``."""

from learnapp import create_app

app = create_app()

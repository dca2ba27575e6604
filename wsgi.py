"""WSGI entry point for gunicorn (`wsgi:app`) and the CLI (`flask --app wsgi`)."""

from webapp import create_app

app = create_app()

"""Turning domain errors into clear CLI failures."""

from contextlib import contextmanager

import click

from webapp.errors import DomainError


@contextmanager
def cli_errors():
    """Print a DomainError's message and fields, and exit non-zero."""
    try:
        yield
    except DomainError as error:
        details = "".join(f"\n  {field}: {message}" for field, message in error.fields.items())
        raise click.ClickException(f"{error.message}{details}") from None

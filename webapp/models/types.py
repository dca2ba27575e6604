"""Column types: encrypted secrets and timezone-aware UTC timestamps."""

from datetime import UTC, datetime

from sqlalchemy.types import DateTime, Text, TypeDecorator

from webapp import crypto


class EncryptedText(TypeDecorator):
    """A string stored Fernet-encrypted; Python sees plaintext, the database never does."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else crypto.encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else crypto.decrypt(value)


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always returned timezone-aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow():
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)

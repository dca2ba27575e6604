"""Column types (encrypted secrets, timezone-aware UTC timestamps) and the mixins of org-scoped tables."""

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column
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


class OrgScoped:
    """A row that belongs to one org: deleting the org deletes it."""

    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"))


class OrgRecord(OrgScoped):
    """An org's row that records when it was created."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def org_index(table):
    """The index on org_id that most org-scoped tables carry (the name Column(index=True) gave it)."""
    return Index(f"ix_{table}_org_id", "org_id")

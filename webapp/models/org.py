"""Tenancy: organisations, their users, API tokens and the audit log."""

import hashlib
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models.types import OrgRecord, OrgScoped, UTCDateTime, org_index, utcnow
from webapp.models.vocabularies import Role, words

ROLES = words(Role)


def new_webhook_token():
    """An unguessable token for the org's webhook URL."""
    return secrets.token_urlsafe(32)


def new_session_secret():
    """A user's session secret: what session and remember cookies carry besides the id (43 characters)."""
    return secrets.token_urlsafe(32)


class Org(db.Model):
    """A customer organisation; every other record belongs to one."""

    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(db.String(63), unique=True)
    name: Mapped[str] = mapped_column(db.String(200))
    webhook_token: Mapped[str] = mapped_column(db.String(64), unique=True, default=new_webhook_token)
    vdp_enabled: Mapped[bool] = mapped_column(db.Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<Org {self.slug}>"


class User(UserMixin, OrgRecord, db.Model):
    """A person who logs in; belongs to exactly one org with one role."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(db.String(254))
    name: Mapped[str] = mapped_column(db.String(200), default="")
    role: Mapped[str] = mapped_column(db.String(16), default="member")
    password_hash: Mapped[str] = mapped_column(db.String(256))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sessions and remember cookies carry `<id>:<session_secret>`: a random secret, replaced to void them all.
    session_secret: Mapped[str] = mapped_column(db.String(64), default=new_session_secret)
    # Sees the deployment-wide Operations view (every tenant's figures); only `flask users operator` grants it.
    is_operator: Mapped[bool] = mapped_column(db.Boolean, default=False, server_default=db.false())
    org: Mapped["Org"] = relationship(Org, lazy="joined")

    __table_args__ = (
        org_index("users"),
        db.Index("uq_users_email_lower", func.lower(email), unique=True),
        {"sqlite_autoincrement": True},  # a deleted user's id is never given to the next one
    )

    def set_password(self, password):
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        """What Flask-Login keeps in the session and the remember cookie: the id and the user's session secret."""
        if self.session_secret is None:
            self.session_secret = new_session_secret()
        return f"{self.id}:{self.session_secret}"

    def end_sessions(self):
        """Void every session and remember cookie issued so far (sign-out, password change): a new secret."""
        self.session_secret = new_session_secret()

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def display_name(self):
        return self.name or self.email


def hash_token(token):
    """The stored form of an API token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(OrgRecord, db.Model):
    """An org API token for the JSON API: named, stored hashed, shown once, revocable."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(db.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(db.String(12))
    name: Mapped[str] = mapped_column(db.String(100), default="")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (org_index("api_tokens"),)


class AuditEntry(OrgScoped, db.Model):
    """Who changed which setting, and when."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(db.String(254))
    action: Mapped[str] = mapped_column(db.String(100))
    detail: Mapped[dict] = mapped_column(db.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (org_index("audit_entries"),)


class OrgSettings(db.Model):
    """Per-org settings documents (alert rules, notifications, severity map, SLA policy); defaults live in code."""

    __tablename__ = "org_settings"
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    alert_rules: Mapped[dict] = mapped_column(db.JSON, default=dict)
    incident_notifications: Mapped[dict] = mapped_column(db.JSON, default=dict)
    severity_mapping: Mapped[dict] = mapped_column(db.JSON, default=dict)
    auto_resolve_reports: Mapped[bool] = mapped_column(db.Boolean, default=True)
    include_sensitive_details: Mapped[bool] = mapped_column(db.Boolean, default=False)
    sla_policy: Mapped[dict] = mapped_column(db.JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

"""Tenancy: organisations, their users, API tokens and the audit log."""

import hashlib
import secrets

from flask_login import UserMixin
from sqlalchemy import func
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models.types import UTCDateTime, utcnow

ROLES = ("admin", "member")


def new_webhook_token():
    """An unguessable token for the org's webhook URL."""
    return secrets.token_urlsafe(32)


class Org(db.Model):
    """A customer organisation; every other record belongs to one."""

    __tablename__ = "orgs"
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(63), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    webhook_token = db.Column(db.String(64), nullable=False, unique=True, default=new_webhook_token)
    vdp_enabled = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return f"<Org {self.slug}>"


class User(UserMixin, db.Model):
    """A person who logs in; belongs to exactly one org with one role."""

    __tablename__ = "users"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    email = db.Column(db.String(254), nullable=False)
    name = db.Column(db.String(200), nullable=False, default="")
    role = db.Column(db.String(16), nullable=False, default="member")
    password_hash = db.Column(db.String(256), nullable=False)
    failed_logins = db.Column(db.Integer, nullable=False, default=0)
    locked_until = db.Column(UTCDateTime)
    session_version = db.Column(db.Integer, nullable=False, default=1, server_default="1")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    org = db.relationship(Org, lazy="joined")

    __table_args__ = (db.Index("uq_users_email_lower", func.lower(email), unique=True),)

    def set_password(self, password):
        """Store a salted hash of the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password):
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        """The id Flask-Login keeps in the session and the remember cookie: a new session version voids old ones."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self):
        """Void every session and remember cookie issued so far (sign-out, password change)."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def display_name(self):
        return self.name or self.email


def hash_token(token):
    """The stored form of an API token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(db.Model):
    """An org API token for the JSON API, stored hashed and shown once."""

    __tablename__ = "api_tokens"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    prefix = db.Column(db.String(12), nullable=False)
    label = db.Column(db.String(100), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at = db.Column(UTCDateTime)
    revoked_at = db.Column(UTCDateTime)


class AuditEntry(db.Model):
    """Who changed which setting, and when."""

    __tablename__ = "audit_entries"
    id = db.Column(db.Integer, primary_key=True)
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), nullable=False, index=True)
    actor = db.Column(db.String(254), nullable=False)
    action = db.Column(db.String(100), nullable=False)
    detail = db.Column(db.JSON, nullable=False, default=dict)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class OrgSettings(db.Model):
    """Per-org settings documents (alert rules, notifications, severity map, SLA policy); defaults live in code."""

    __tablename__ = "org_settings"
    org_id = db.Column(db.Integer, db.ForeignKey("orgs.id", ondelete="CASCADE"), primary_key=True)
    alert_rules = db.Column(db.JSON, nullable=False, default=dict)
    incident_notifications = db.Column(db.JSON, nullable=False, default=dict)
    severity_mapping = db.Column(db.JSON, nullable=False, default=dict)
    auto_resolve_reports = db.Column(db.Boolean, nullable=False, default=True)
    include_sensitive_details = db.Column(db.Boolean, nullable=False, default=False)
    sla_policy = db.Column(db.JSON, nullable=False, default=dict)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

"""User management rules: unique emails, roles, and the last admin."""

import pytest

from webapp.errors import Conflict, DomainError, NotFound
from webapp.models import AuditEntry, User
from webapp.users import services


def test_create_user_normalises_email_and_audits(db, org):
    user = services.create_user(org.id, "  New.Person@Example.COM ", "member", "long-enough-pw")
    assert user.email == "new.person@example.com" and user.check_password("long-enough-pw")
    assert db.session.scalar(db.select(AuditEntry.action).filter_by(action="user.created")) == "user.created"


def test_email_unique_case_insensitively(db, org):
    with pytest.raises(Conflict):
        services.create_user(org.id, org.admin_email.upper(), "member", "long-enough-pw")


def test_bad_role_and_short_password(db, org):
    with pytest.raises(DomainError) as error:
        services.create_user(org.id, "a@example.com", "owner", "long-enough-pw")
    assert "role" in error.value.fields
    with pytest.raises(DomainError) as error:
        services.create_user(org.id, "a@example.com", "member", "short")
    assert "password" in error.value.fields


def test_last_admin_cannot_be_demoted_or_removed(db, org):
    with pytest.raises(Conflict):
        services.set_role(org.id, org.admin.id, "member")
    with pytest.raises(Conflict):
        services.remove_user(org.id, org.admin.id)
    services.set_role(org.id, org.member.id, "admin")
    services.set_role(org.id, org.admin.id, "member")
    assert db.session.get(User, org.admin.id).role == "member"


def test_other_orgs_users_are_not_found(db, org):
    from tests.factories import org_with_users

    other = org_with_users()
    with pytest.raises(NotFound):
        services.remove_user(org.id, other.member.id)


def test_audit_records_only_what_changed(db, org):
    from webapp.audit.services import record_change

    assert record_change(org.id, "thing.updated", {"a": 1, "b": 2}, {"a": 1, "b": 2}) is None
    entry = record_change(org.id, "thing.updated", {"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert entry.detail == {"b": {"from": 2, "to": 3}}

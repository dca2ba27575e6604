"""User management rules: unique emails, roles, and the last admin (also under concurrency)."""

from functools import partial
from unittest import mock

import pytest

from tests import factories
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


def test_another_orgs_email_is_refused_in_the_same_words_as_our_own(db, org):
    from tests.factories import org_with_users

    other = org_with_users()
    with pytest.raises(Conflict) as ours:
        services.create_user(org.id, org.member_email, "member", "long-enough-pw")
    with pytest.raises(Conflict) as theirs:
        services.create_user(org.id, other.member_email.upper(), "member", "long-enough-pw")
    assert ours.value.message == theirs.value.message and ours.value.fields == theirs.value.fields
    assert "organisation" not in theirs.value.message and "exists" not in theirs.value.message


def _at_once(app, actions):
    """Run each action in its own thread, app context and database connection, released at the same instant."""
    import threading

    barrier = threading.Barrier(len(actions))
    outcomes = []

    def run(action):
        with app.app_context():
            barrier.wait()
            try:
                action()
                outcomes.append("done")
            except Conflict:
                outcomes.append("refused")
            finally:
                db_session_remove()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


def db_session_remove():
    from webapp.extensions import db

    db.session.remove()


def _admins(db, org_id):
    db.session.expire_all()
    return db.session.scalars(db.select(User.id).filter_by(org_id=org_id, role="admin")).all()


_ACTIONS = {
    "demote": lambda org_id, user_id: services.set_role(org_id, user_id, "member"),
    "remove": services.remove_user,
}


@pytest.mark.parametrize("change", ["demote", "remove"])
def test_two_admins_acting_on_each_other_at_once_leave_one_admin(app, db, org, change):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL (SQLite serialises every writer)")
    first = org.admin.id
    for trial in range(15):
        with mock.patch("webapp.models.org.generate_password_hash", factories.password_hash):  # not what is tested
            second = services.create_user(org.id, f"second{trial}@example.com", "admin", "long-enough-pw").id
        db.session.commit()
        outcomes = _at_once(app, [partial(_ACTIONS[change], org.id, target) for target in (first, second)])
        assert outcomes == ["done", "refused"], trial
        admins = _admins(db, org.id)
        assert len(admins) == 1, trial
        first = admins[0]

"""Safe defaults in production: no demo with published passwords, passwords asked for with hidden input."""

from webapp.models import Org, User


def test_demo_refuses_in_production(runner, db, monkeypatch):
    monkeypatch.setenv("PAGERBRIDGE_ENV", "production")
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "refuses to run in production" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(Org)) == 0


def test_users_create_asks_for_the_password_when_left_out(runner, db, org):
    result = runner.invoke(
        args=["users", "create", "quiet@example.com", "--org", org.slug, "--role", "member"],
        input="a-long-password-1\na-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "a-long-password-1" not in result.output
    user = db.session.scalar(db.select(User).filter_by(email="quiet@example.com"))
    assert user is not None and user.check_password("a-long-password-1")


def test_users_create_refuses_a_mistyped_confirmation(runner, db, org):
    result = runner.invoke(
        args=["users", "create", "typo@example.com", "--org", org.slug, "--role", "member"],
        input="a-long-password-1\na-long-password-2\na-long-password-1\na-long-password-1\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower() or "don't match" in result.output.lower()

"""Secrets are encrypted at rest and can be rotated to a new key."""

from cryptography.fernet import Fernet
from sqlalchemy import text

from webapp import crypto
from webapp.models import Connection
from webapp.secrets_rotation import rotate_all

SECRET = "u+supersecrettoken1234"


def _raw_token(db, org_id):
    return db.session.execute(
        text("SELECT api_token FROM pagerduty_connections WHERE org_id = :o"), {"o": org_id}
    ).scalar_one()


def test_raw_column_holds_no_plaintext(db, org):
    db.session.add(Connection(org_id=org.id, method="api_token", api_token=SECRET))
    db.session.commit()
    raw = _raw_token(db, org.id)
    assert SECRET not in raw and "1234" not in raw
    db.session.expire_all()
    assert db.session.scalar(db.select(Connection.api_token)) == SECRET


def test_rotation_reencrypts_under_the_new_key(app, db, org):
    db.session.add(Connection(org_id=org.id, method="api_token", api_token=SECRET))
    db.session.commit()
    before = _raw_token(db, org.id)
    old_keys = list(app.config["ENCRYPTION_KEYS"])
    new_key = Fernet.generate_key().decode()
    app.config["ENCRYPTION_KEYS"] = [new_key, *old_keys]
    try:
        assert rotate_all() >= 1
        after = _raw_token(db, org.id)
        assert after != before
        assert Fernet(new_key.encode()).decrypt(after.encode()).decode() == SECRET
        app.config["ENCRYPTION_KEYS"] = [new_key]
        db.session.expire_all()
        assert db.session.scalar(db.select(Connection.api_token)) == SECRET
    finally:
        app.config["ENCRYPTION_KEYS"] = old_keys


def test_mask_shows_at_most_last_four():
    assert crypto.mask("abcdefghijklmnop") == "••••mnop"
    assert crypto.mask("short") == "••••"
    assert crypto.mask(None) == ""


def test_a_long_random_secret_serves_as_a_key(app):
    """Heroku's app.json generates hex secrets, not Fernet keys: a 32+ character secret is turned into one."""
    hex_secret = "ab" * 32
    box = crypto.fernet_key(hex_secret)
    assert box.decrypt(box.encrypt(b"token")) == b"token"
    assert crypto.fernet_key(hex_secret).decrypt(box.encrypt(b"again")) == b"again"


def test_a_short_non_fernet_key_is_refused(app):
    try:
        crypto.fernet_key("too-short")
    except ValueError as error:
        assert "32+" in str(error)
    else:
        raise AssertionError("a short key was accepted")


def test_a_ciphertext_is_decrypted_once_per_key_list(app, db, monkeypatch):
    """Decryptions are cached by key list and ciphertext; a key list without the key still refuses the value."""
    import pytest

    token = crypto.encrypt(SECRET)
    calls = []
    real = crypto.MultiFernet.decrypt
    monkeypatch.setattr(crypto.MultiFernet, "decrypt", lambda self, value: calls.append(value) or real(self, value))
    assert [crypto.decrypt(token) for _ in range(3)] == [SECRET] * 3
    assert len(calls) == 1
    old_keys = list(app.config["ENCRYPTION_KEYS"])
    app.config["ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
    try:
        with pytest.raises(crypto.SecretUnreadable):
            crypto.decrypt(token)
    finally:
        app.config["ENCRYPTION_KEYS"] = old_keys

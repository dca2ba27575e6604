"""Fixed vocabularies are enforced by the database (PostgreSQL), and the migration says what the models say."""

import importlib.util

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.conftest import ROOT
from webapp.models.vocabularies import VOCABULARIES


def _migration():
    spec = importlib.util.spec_from_file_location("vocab_0001", ROOT / "migrations/versions/vocab_0001.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_enforces_exactly_the_models_vocabularies():
    frozen = _migration().VOCABULARIES
    assert {key: tuple(words) for key, words in VOCABULARIES.items()} == frozen


def test_every_vocabulary_names_a_real_column(db):
    for table, column in VOCABULARIES:
        assert column in db.metadata.tables[table].columns, (table, column)


def test_postgresql_refuses_a_word_outside_the_list(db, org):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the CHECK constraints are PostgreSQL's (see the migration)")
    names = {c["name"] for table, _ in VOCABULARIES for c in inspect(db.engine).get_check_constraints(table)}
    assert {f"ck_{table}_{column}" for table, column in VOCABULARIES} <= names
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE users SET role = 'owner' WHERE org_id = :org"), {"org": org.id})
        db.session.flush()
    db.session.rollback()


def test_every_vocabulary_comes_from_its_enum():
    """The CHECK constraints and the models' tuples are built from the StrEnums, never spelled out again."""
    from enum import StrEnum

    from webapp.models import vocabularies
    from webapp.models.delivery import DELIVERY_STATUSES, OPEN_DELIVERY_STATUSES
    from webapp.models.vocabularies import WAITING_DELIVERY_STATUSES, DeliveryStatus, words

    enums = {
        words(value)
        for value in vars(vocabularies).values()
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
    }
    assert set(VOCABULARIES.values()) <= enums
    assert DELIVERY_STATUSES == VOCABULARIES[("deliveries", "status")] == tuple(DeliveryStatus)
    assert all(type(word) is str for words_ in VOCABULARIES.values() for word in words_)  # plain str for drivers
    assert set(WAITING_DELIVERY_STATUSES) == {DeliveryStatus.PENDING, DeliveryStatus.RETRYING}
    assert set(OPEN_DELIVERY_STATUSES) == {*WAITING_DELIVERY_STATUSES, DeliveryStatus.PAUSED}


def test_the_waiting_statuses_are_spelled_out_nowhere_else():
    import re

    pattern = re.compile(r"""\(\s*["'](pending|retrying)["'],\s*["'](pending|retrying)["']\s*\)""")
    spelled = [
        str(path.relative_to(ROOT))
        for folder in ("webapp", "jobs")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    ]
    assert spelled == []

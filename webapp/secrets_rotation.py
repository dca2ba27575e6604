"""Re-encrypting every stored secret under the newest key of ENCRYPTION_KEYS."""

from sqlalchemy import select, update

from webapp import crypto
from webapp.extensions import db
from webapp.models.types import EncryptedText


def encrypted_columns():
    """(table, column) for every encrypted column in the schema."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate_all():
    """Rotate each stored ciphertext in one transaction; returns how many values were rewritten."""
    count = 0
    for table, column in encrypted_columns():
        raw = column.type.impl  # read and write the ciphertext itself, bypassing decryption
        key = list(table.primary_key.columns)[0]
        rows = db.session.execute(select(key, column.cast(raw)).where(column.isnot(None))).all()
        for row_id, ciphertext in rows:
            db.session.execute(
                update(table).where(key == row_id).values({column.name: db.literal(crypto.rotate(ciphertext), raw)})
            )
            count += 1
    db.session.commit()
    return count

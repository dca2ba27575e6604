"""What SQL a piece of code runs: for tests that guard a hot path's statements."""

import re
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def recorded(engine):
    """Collect the SQL text of every statement run on `engine` inside the block."""
    statements = []

    def record(_connection, _cursor, sql, *_):
        statements.append(sql)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def shape(sql):
    """'INSERT incidents', 'SELECT timeline_entries', 'SAVEPOINT'…: the verb and the first table named."""
    table = re.search(r"\b(?:INTO|FROM)\s+(\w+)", sql)
    return f"{sql.split(None, 1)[0]} {table.group(1) if table else ''}".strip()


def updated(sql):
    """The table an UPDATE writes, whatever comes before it (a WITH of the rows it reads)."""
    return re.search(r"\bUPDATE\s+(\w+)", sql).group(1)

"""CLI commands run as the user runs them: `flask --app wsgi ...` in a process of its own.

The test's session commits first (so the command sees the fixtures) and forgets what it loaded afterwards (so the
test reads back what the command committed, never what an uncommitted session of its own still holds).
"""

import os
import subprocess
import sys

from tests.conftest import ROOT


def flask_cli(*args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run `flask --app wsgi *args` as a separate process with the test environment; fail the test on a non-zero
    exit unless `check` is False."""
    from webapp.extensions import db

    db.session.commit()
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env={**os.environ},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )
    db.session.expire_all()
    db.session.commit()
    if check:
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def output(*args: str) -> str:
    """The command's standard output (it must succeed)."""
    return flask_cli(*args).stdout

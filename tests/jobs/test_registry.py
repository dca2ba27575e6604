"""The job registry names every job enqueued or scheduled by name, and every such name resolves to a function."""

import ast
import importlib

import pytest

from tests.conftest import ROOT
from webapp import job_registry
from webapp.periodic import PERIODIC_JOBS


def resolve(path):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


@pytest.mark.parametrize("path", job_registry.all_jobs())
def test_every_registered_job_is_a_function(path):
    assert callable(resolve(path)), path


def dotted_job_strings():
    """Every string literal (or f-string's fixed start) in webapp/ and jobs/ that names something under jobs."""
    found = []
    for folder in ("webapp", "jobs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text())
            inside_fstrings = {
                id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values
            }
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstrings:
                    text = node.value
                elif isinstance(node, ast.JoinedStr) and node.values and isinstance(node.values[0], ast.Constant):
                    text = str(node.values[0].value) + "{}"
                else:
                    continue
                if text.startswith("jobs.") and text.count(".") >= 2 and " " not in text:
                    found.append((str(path.relative_to(ROOT)), text))
    return found


def test_every_dotted_job_string_is_registered_and_resolves():
    registered = set(job_registry.all_jobs())
    strings = dotted_job_strings()
    assert strings, "the scan found nothing: has the layout changed?"
    for where, text in strings:
        if text.endswith("{}"):  # an f-string such as f"jobs.connection.webhook_{action}": each filling is registered
            prefix = text[:-2]
            assert any(path.startswith(prefix) for path in registered), (where, text)
            continue
        assert text in registered, f"{where}: {text} is not in webapp/job_registry.py"
        assert callable(resolve(text)), (where, text)


def test_periodic_jobs_and_webhook_actions_are_registered():
    registered = set(job_registry.all_jobs())
    assert {path for _, path, _, _ in PERIODIC_JOBS} <= registered
    assert set(job_registry.WEBHOOK_ACTIONS.values()) <= registered

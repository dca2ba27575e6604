"""The deploy files agree with the code: the lock pins what pyproject asks for; app.json and the Procfile match."""

import json
import re
import shutil
import subprocess
import tomllib

import pytest

from tests.conftest import ROOT

PINNED = re.compile(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==[^\s;]+")


def _normalise(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked(path):
    names = set()
    for line in (ROOT / path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "--")):
            continue
        match = PINNED.match(line)
        assert match, f"{path}: {line!r} is not pinned with =="
        names.add(_normalise(match.group(1)))
    return names


def _required(extra=None):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return {_normalise(re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0]) for spec in specs}


def test_the_lock_pins_every_dependency():
    assert _required() <= _locked("requirements.txt")
    assert _required() | _required("dev") <= _locked("requirements-dev.txt")


def test_the_production_lock_has_no_test_tools():
    assert not ({"pytest", "playwright", "requests-mock", "hypothesis"} & _locked("requirements.txt"))


def test_app_json_declares_the_processes_add_ons_and_generated_secrets():
    manifest = json.loads((ROOT / "app.json").read_text())
    procfile = {line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line}
    assert {"web", "sender", "worker", "scheduler"} <= set(manifest["formation"]) <= procfile
    assert {"release", "web", "sender", "worker", "scheduler"} <= procfile
    assert {addon["plan"] for addon in manifest["addons"]} == {"heroku-postgresql", "heroku-redis"}
    assert manifest["env"]["SECRET_KEY"]["generator"] == "secret"
    assert manifest["env"]["ENCRYPTION_KEYS"]["generator"] == "secret"
    assert manifest["env"]["PUBLIC_URL"]["required"] is True
    assert [pack["url"] for pack in manifest["buildpacks"]] == ["heroku/nodejs", "heroku/python"]


def test_every_place_that_starts_the_processes_starts_a_sender():
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ": " in line)
    assert procfile["sender"] == "python -m jobs.sender" and procfile["worker"] == "python -m jobs.worker"
    assert '["python", "-m", "jobs.sender"]' in (ROOT / "compose.yaml").read_text()
    assert '"-m", "jobs.sender"' in (ROOT / "scripts" / "dev.py").read_text()


def test_the_worker_is_a_plain_rq_worker():
    source = (ROOT / "jobs" / "worker.py").read_text()
    assert "_install_signal_handlers" not in source and "setswitchinterval" not in source


def test_the_python_version_satisfies_the_project():
    version = (ROOT / ".python-version").read_text().strip()
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == ">=3.11" and tuple(map(int, version.split(".")[:2])) >= (3, 11)


def test_the_sandbox_stays_out_of_the_wheel_and_the_slug():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert not any(pattern.startswith("sandbox") for pattern in packages["include"])
    assert "sandbox/" in (ROOT / ".slugignore").read_text().split()
    assert "sandbox" in (ROOT / ".dockerignore").read_text().split()


def _docker_ready():
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not _docker_ready(), reason="no Docker daemon on this machine")
def test_the_container_image_builds():
    result = subprocess.run(
        ["docker", "build", "-q", "-t", "pagerbridge-ci", str(ROOT)], capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0 and "pull" in result.stderr.lower():
        pytest.skip("Docker cannot pull the base images here")
    assert result.returncode == 0, result.stderr[-2000:]

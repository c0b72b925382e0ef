import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_docker_compose_file_validates_with_the_full_stack():
    if _compose_command() is None:
        if os.environ.get("WEAVER_REQUIRE_SERVICES") == "1":
            pytest.fail("WEAVER_REQUIRE_SERVICES=1: install docker compose or docker-compose")
        pytest.skip("needs docker compose or docker-compose")
    env = dict(os.environ, DJANGO_SECRET_KEY="x" * 50)
    cmd = _compose_command()
    check = subprocess.run([*cmd, "config", "-q"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    services = subprocess.run(
        [*cmd, "config", "--services"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services.stdout.split())

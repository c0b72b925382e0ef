"""The Dockerfile builds from a clean checkout: its collectstatic step, run as the file says."""

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with backslash-continued lines joined and comments dropped."""
    instructions, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        current += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            keyword, _, rest = current.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
            current = ""
    return instructions


def _collectstatic_step() -> tuple[dict[str, str], list[str]]:
    """The environment (earlier ENV lines, then the RUN line's own assignments) and collectstatic's argv."""
    env: dict[str, str] = {}
    for keyword, rest in _instructions():
        if keyword == "ENV":
            env.update(word.split("=", 1) for word in shlex.split(rest))
        elif keyword == "RUN" and "collectstatic" in rest:
            words = shlex.split(rest)
            while "=" in words[0] and not words[0].startswith("-"):
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            return env, words
    raise AssertionError("the Dockerfile has no collectstatic step")


def _checkout(into: Path) -> None:
    """The files a clean checkout has (tracked, plus new ones not ignored), as `COPY . .` sees them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


def test_the_dockerfiles_collectstatic_step_succeeds_with_exactly_its_environment(tmp_path):
    env, argv = _collectstatic_step()
    assert argv[:2] == ["python", "manage.py"], argv
    checkout = tmp_path / "app"
    _checkout(checkout)
    # Nothing from this machine's configuration (DATABASE_URL, CELERY_BROKER_URL...) leaks in.
    clean_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **env}
    run = subprocess.run(
        [sys.executable, *argv[1:]], cwd=checkout, env=clean_env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert (checkout / "staticfiles" / "staticfiles.json").is_file()  # the manifest whitenoise serves from


def test_the_dockerfile_starts_gunicorn_with_the_one_config_file():
    cmd = next(rest for keyword, rest in _instructions() if keyword == "CMD")
    assert "gunicorn.conf.py" in cmd
    compose = (ROOT / "docker-compose.yml").read_text()
    assert '"--config", "gunicorn.conf.py"' in compose


def test_gunicorn_reads_workers_and_timeout_from_the_environment():
    script = "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['workers'], c['timeout'])"
    env = dict(os.environ, WEB_CONCURRENCY="3", GUNICORN_TIMEOUT="120")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["3", "120"], out.stderr
    env["GUNICORN_TIMEOUT"] = "soon"
    bad = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "GUNICORN_TIMEOUT must be an integer" in bad.stderr


def test_the_image_builds_when_a_docker_engine_runs(tmp_path):
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "info"], capture_output=True).returncode != 0:
        pytest.skip("no docker engine runs here: the collectstatic test above covers the build's Django step")
    build = subprocess.run(
        [docker, "build", "-t", "weaver:test-build", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert build.returncode == 0, build.stderr[-3000:]

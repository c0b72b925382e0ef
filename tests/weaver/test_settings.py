import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from weaver.lib.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("X_FLAG", "Yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_FLAG", "0")
    assert env_bool("X_FLAG", True) is False


def test_env_bool_rejects_anything_else_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG"):
        env_bool("X_FLAG", False)


def test_env_int_rejects_words_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "twenty")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be an integer"):
        env_int("X_NUM", 1)
    monkeypatch.setenv("X_NUM", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_NUM", 5, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.org, b.org,,")
    assert env_list("X_LIST", []) == ["a.org", "b.org"]


def _manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True
    )


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k8Qe7v2Zr9Lx4Tn6Wp1Yb3Hd5Jf0Mg8Sc2Vu7Ra4Ne9Xi6Ko1Pz3Lq5Bw",
    "DJANGO_ALLOWED_HOSTS": "weaver.example.org",
}


def test_check_deploy_reports_no_warnings_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_in_the_environment_stops_startup_with_a_clear_message():
    result = _manage("check", DJANGO_DEBUG="sometimes")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_time_limits_must_be_ordered_below_the_visibility_timeout():
    result = _manage("check", CELERY_TASK_TIME_LIMIT="1000")
    assert result.returncode != 0
    assert "CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT" in result.stderr


def test_production_mode_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=PRODUCTION["DJANGO_SECRET_KEY"])
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must name" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "nonsense"), ("DATABASE_URL", "mysql://db/weaver"), ("CELERY_BROKER_URL", "bogus")],
)
def test_a_database_or_broker_url_of_an_unknown_kind_stops_startup_naming_the_variable(variable, value):
    result = _manage("check", **{variable: value})
    assert result.returncode != 0
    assert f"{variable} must be a URL starting" in result.stderr


def test_links_in_emails_need_an_absolute_base_url():
    result = _manage("check", WEAVER_BASE_URL="weaver.example.org")
    assert result.returncode != 0
    assert "WEAVER_BASE_URL must be a URL starting http:// or https://" in result.stderr


def test_a_worker_lost_time_too_close_to_the_heartbeat_stops_startup():
    result = _manage(
        "check", WEAVER_SNAPSHOT_HEARTBEAT_SECONDS="10", WEAVER_SNAPSHOT_WORKER_LOST_SECONDS="20"
    )
    assert result.returncode != 0
    assert "WEAVER_SNAPSHOT_WORKER_LOST_SECONDS must be more than twice" in result.stderr

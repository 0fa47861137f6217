from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from hypothesis import given
from hypothesis import strategies as st

from config.env import env_bool, env_int, env_list, env_str
from safeserve.common.lib.masking import mask_id_number, mask_phone

ROOT = Path(__file__).resolve().parents[3]


def test_env_helpers_fail_loudly(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL", False)
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "3")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env_int("X_INT", 10, minimum=5)
    monkeypatch.delenv("X_STR", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_STR"):
        env_str("X_STR")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_BOOL", "Yes")
    assert env_bool("X_BOOL", False) is True


def _manage_env() -> dict[str, str]:
    """The machine's environment without what the test settings put there."""
    dropped = (
        "DJANGO_",
        "DATABASE_URL",
        "SECURE_",
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "FIELD_ENCRYPTION_KEYS",
        "BLIND_INDEX_KEY",
    )
    return {k: v for k, v in os.environ.items() if not k.startswith(dropped)}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = _manage_env()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k" * 20 + "-production-secret-key-0123456789abcdef",
        ALLOWED_HOSTS="safeserve.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        **KEYS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


KEYS = {"FIELD_ENCRYPTION_KEYS": "e" * 40, "BLIND_INDEX_KEY": "i" * 40}


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"BLIND_INDEX_KEY": "i" * 40}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "short", "BLIND_INDEX_KEY": "i" * 40}, "FIELD_ENCRYPTION_KEYS"),
        ({"FIELD_ENCRYPTION_KEYS": "e" * 40}, "BLIND_INDEX_KEY"),
    ],
)
def test_production_refuses_to_start_without_the_encryption_keys(tmp_path, keys, named):
    result = _manage(
        "check",
        DEBUG="false",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="x",
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
        **keys,
    )
    assert result.returncode != 0 and named in result.stderr


def test_collectstatic_needs_no_encryption_keys(tmp_path):
    """The README's production path collects the static files before the keys matter."""
    result = _manage(
        "collectstatic",
        "--noinput",
        DEBUG="false",
        SECRET_KEY="k" * 60,
        ALLOWED_HOSTS="x",
        STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_the_site_refuses_to_start_without_the_encryption_keys(tmp_path):
    base = _manage_env()
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env={**base, "DEBUG": "false", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "x"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS, BLIND_INDEX_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _manage(
        "check", DEBUG="false", ALLOWED_HOSTS="x", DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3"
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_security_headers_are_sent(db, client):
    response = client.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_page_loads_anything_from_another_host(db, client):
    html = client.get("/accounts/login/").content.decode()
    for marker in ("http://", "https://", "//cdn"):
        assert marker not in html


@given(st.from_regex(r"\A[0-9]{17}[0-9X]\Z"))
def test_id_numbers_keep_only_four_digits_each_end(value):
    masked = mask_id_number(value)
    assert masked[:4] == value[:4] and masked[-4:] == value[-4:]
    assert set(masked[4:-4]) == {"*"} and len(masked) == len(value)


@given(st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_mobile_numbers_hide_the_middle_four(value):
    masked = mask_phone(value)
    assert masked == value[:3] + "****" + value[-4:]


def test_short_values_are_fully_or_mostly_hidden():
    assert mask_phone("12") == "**"
    assert mask_phone("110") == "*10"
    assert mask_id_number("1234") == "****"
    assert mask_phone("") == "" and mask_id_number(None) == ""

"""Passwords as 等保 level 3 asks: complex (three of four character classes, no repeated
runs), changed regularly (county policy, default 90 days, 0 = off), and API tokens die with
the password they were taken with. The token endpoint hashes whether or not the user exists."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from safeserve.accounts.models import ApiToken, User
from safeserve.accounts.services import token_issue, user_change_password
from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.common.models import CountyPolicy
from safeserve.demo.seed import demo_totp_code
from safeserve.demo.testing import password_login

PASSWORD = "demo-Pass-2026"
TOKEN = "/api/v1/auth/token/"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("zzzzzzzzzzzz", True),  # one class, one character
        ("expert2expert2", True),  # two classes, a repeated group
        ("abcdefghijk1", True),  # two classes
        ("Abcdefghijk1", False),  # three classes
        ("abcdefgh-jk1", False),  # lower, digit, symbol
        ("安全生产abcd12", False),  # other characters count as the fourth class
        ("Pass1111word", True),  # a character four times in a row
        ("Pass111word!", False),  # three times is allowed
        ("Xy7!Xy7!Xy7!", True),  # a repeated group
        ("Sun-Moon-2027", False),
    ],
)
def test_the_password_rules(world, password, refused):
    user = world["county_admin"]
    if refused:
        with pytest.raises(ApplicationError) as error:
            user_change_password(user=user, old_password=PASSWORD, new_password=password)
        assert error.value.code == "weak_password"
        assert "new_password1" in error.value.errors
    else:
        user_change_password(user=user, old_password=PASSWORD, new_password=password)


def test_the_reason_is_told_in_chinese(world, login):
    response = login(world["county_admin"]).post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "expert2expert2",
            "new_password2": "expert2expert2",
        },
    )
    page = response.content.decode()
    assert "至少包含" in page and "重复" in page


def test_changing_the_password_revokes_every_api_token(world):
    user = world["expert"]
    key, _token = token_issue(user=user)
    token_issue(user=user)
    assert APIClient().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    user_change_password(user=user, old_password=PASSWORD, new_password="Sun-Moon-2027")
    assert not ApiToken.objects.filter(user=user).exists()
    assert APIClient().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    event = AuditEvent.objects.filter(action="user.password_changed", object_id=str(user.pk))
    assert event.get().after["tokens_revoked"] == 2


def test_a_reset_revokes_every_api_token(world, login):
    key, _token = token_issue(user=world["expert"])
    login(world["county_admin"]).post(
        reverse("accounts:user_reset_password", args=[world["expert"].pk])
    )
    assert not ApiToken.objects.filter(user=world["expert"]).exists()
    assert APIClient().get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def _expire_in(county_user: User, days: int) -> None:
    CountyPolicy.objects.filter(county=county_user.organization.county).update(
        password_max_age_days=days
    )


def test_a_password_older_than_the_policy_must_be_changed_at_login(world):
    officer = world["township_officer"]
    _expire_in(officer, 90)
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=90)
    )
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": officer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").url == reverse("accounts:password_change")
    officer.refresh_from_db()
    assert officer.must_change_password
    assert AuditEvent.objects.filter(
        action="user.password_expired", object_id=str(officer.pk)
    ).exists()
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Sun-Moon-2027",
            "new_password2": "Sun-Moon-2027",
        },
    )
    officer.refresh_from_db()
    assert not officer.must_change_password
    assert officer.password_changed_at == timezone.now() or (
        timezone.now() - officer.password_changed_at < dt.timedelta(minutes=1)
    )
    assert client.get("/").url.startswith(reverse("accounts:otp_verify"))  # then the code
    client.post(reverse("accounts:otp_verify"), {"code": demo_totp_code(officer.username)})
    assert client.get("/").status_code == 200


def test_a_password_younger_than_the_policy_is_fine(world):
    officer = world["township_officer"]
    _expire_in(officer, 90)
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=89)
    )
    client = Client()
    password_login(client, officer.username)
    assert client.get("/").status_code == 200


def test_expiry_off_never_expires(world):
    officer = world["township_officer"]
    _expire_in(officer, 0)
    User.objects.filter(pk=officer.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=3650)
    )
    client = Client()
    password_login(client, officer.username)
    assert client.get("/").status_code == 200


def test_the_token_endpoint_refuses_an_expired_password(world):
    expert = world["expert"]
    _expire_in(expert, 30)
    User.objects.filter(pk=expert.pk).update(
        password_changed_at=timezone.now() - dt.timedelta(days=31)
    )
    response = APIClient().post(TOKEN, {"username": "expert", "password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "password_change_required"
    assert not ApiToken.objects.filter(user=expert).exists()


def test_the_demo_counties_have_expiry_off(world):
    county = world["county_officer"].organization.county
    assert CountyPolicy.objects.get(county=county).password_max_age_days == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        client = Client()
        password_login(client, "county_officer")
        assert client.get("/").status_code == 200


def _hashing_work(monkeypatch) -> list[str]:
    """Each run of the hash function (checking a password hashes it too)."""
    calls: list[str] = []
    encode = MD5PasswordHasher.encode

    def counted_encode(self, *args, **kwargs):
        calls.append("hash")
        return encode(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", counted_encode)
    return calls


def test_the_token_endpoint_hashes_as_much_for_an_unknown_user(world, monkeypatch):
    calls = _hashing_work(monkeypatch)
    APIClient().post(TOKEN, {"username": "expert", "password": "Wrong-Pass-1"}, format="json")
    known = len(calls)
    calls.clear()
    response = APIClient().post(
        TOKEN, {"username": "nobody-here", "password": "Wrong-Pass-1"}, format="json"
    )
    assert response.json()["code"] == "invalid_credentials"
    assert known >= 1 and len(calls) == known

"""The second factor (等保 level 3: two authentication techniques for administrators): who
must use it by county policy, the login and API flows, enrolment with backup codes, "remember
this device for 12 hours", and recovery by an administrator. Expectations by hand."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from safeserve.accounts.models import ApiToken, LoginLog, LoginResult
from safeserve.accounts.otp import REMEMBER_COOKIE, otp_required
from safeserve.audit.models import AuditEvent
from safeserve.common.models import CountyPolicy
from safeserve.demo.seed import DEMO_PASSWORD, demo_totp_code

TOKEN = "/api/v1/auth/token/"
VERIFY = reverse("accounts:otp_verify")
SETUP = reverse("accounts:otp_setup")


def _later(seconds: int = 31) -> time_machine.travel:
    """The authenticator's next code (a code works once)."""
    return time_machine.travel(timezone.now() + dt.timedelta(seconds=seconds))


def _password(client: Client, username: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("username", "required"),
    [
        ("admin", True),
        ("county_admin", True),
        ("county_officer", True),
        ("county_leader", True),
        ("township_officer", True),
        ("department_officer", True),
        ("provider_admin", False),
        ("expert", False),
        ("enterprise_user", False),
        ("evaluator", False),
    ],
)
def test_who_must_use_a_second_factor_by_default(world, username, required):
    assert otp_required(world[username]) is required


def test_the_county_policy_decides(world):
    county = world["county_officer"].organization.county
    CountyPolicy.objects.filter(county=county).update(otp_government=0, otp_others=1)
    assert otp_required(world["county_officer"])  # set up: used whatever the policy
    TOTPDevice.objects.filter(user=world["county_officer"]).delete()
    assert not otp_required(world["county_officer"])
    assert otp_required(world["provider_admin"]) and otp_required(world["enterprise_user"])
    assert otp_required(world["admin"])  # the platform administrator always


def test_the_password_alone_opens_nothing_and_the_code_opens_the_rest(world):
    client = Client()
    _password(client, "township_officer")
    assert client.get("/").url == f"{VERIFY}?next=/"
    assert client.get(reverse("enterprises:list")).status_code == 302
    assert client.get("/api/v1/enterprises/").json()["code"] == "otp_required"
    wrong = client.post(VERIFY, {"code": "000000"})
    assert wrong.status_code == 200 and "不正确" in wrong.content.decode()
    assert LoginLog.objects.filter(username="township_officer", result=LoginResult.FAILED).exists()
    with _later(3):  # django-otp slows guessing: after a wrong code, a short wait
        code = demo_totp_code("township_officer")
        right = client.post(VERIFY, {"code": code, "next": "/tasks/"})
    assert right.url == "/tasks/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/enterprises/").status_code == 200


def test_a_code_works_once(world):
    first, second = Client(), Client()
    _password(first, "county_officer")
    _password(second, "county_officer")
    code = demo_totp_code("county_officer")
    first.post(VERIFY, {"code": code})
    assert second.post(VERIFY, {"code": code}).status_code == 200  # refused: replayed
    assert second.get("/").status_code == 302


def test_the_next_address_stays_on_this_site(world):
    client = Client()
    _password(client, "county_officer")
    response = client.post(
        VERIFY, {"code": demo_totp_code("county_officer"), "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_remember_this_device_for_twelve_hours(world):
    client = Client()
    _password(client, "county_officer")
    client.post(VERIFY, {"code": demo_totp_code("county_officer"), "remember": "on"})
    assert REMEMBER_COOKIE in client.cookies
    client.post(reverse("accounts:logout"))
    with _later(11 * 3600):
        _password(client, "county_officer")
        assert client.get("/").status_code == 200  # no code asked
        client.post(reverse("accounts:logout"))
    with _later(12 * 3600 + 60):
        _password(client, "county_officer")
        assert client.get("/").status_code == 302  # asked again


def test_another_users_remembered_device_does_not_count(world):
    client = Client()
    _password(client, "county_officer")
    client.post(VERIFY, {"code": demo_totp_code("county_officer"), "remember": "on"})
    client.post(reverse("accounts:logout"))
    _password(client, "county_leader")
    assert client.get("/").status_code == 302


def test_setting_it_up_with_a_qr_code_and_backup_codes(world):
    TOTPDevice.objects.filter(user=world["township_officer"]).delete()
    client = Client()
    _password(client, "township_officer")
    assert client.get("/").url.startswith(SETUP)
    page = client.get(SETUP)
    body = page.content.decode()
    assert "<svg" in body and 'data-testid="otp-key"' in body
    device = TOTPDevice.objects.get(user=world["township_officer"], confirmed=False)
    assert client.post(SETUP, {"code": "123456"}).status_code == 200
    done = client.post(SETUP, {"code": f"{totp(device.bin_key):06d}"})
    codes = re.findall(r"<li>([0-9a-f]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="user.otp_enrolled").exists()
    # A backup code replaces the app's code once.
    client.post(reverse("accounts:logout"))
    _password(client, "township_officer")
    client.post(VERIFY, {"code": codes[0]})
    assert client.get("/").status_code == 200
    client.post(reverse("accounts:logout"))
    _password(client, "township_officer")
    client.post(VERIFY, {"code": codes[0]})
    assert client.get("/").status_code == 302  # used up


def test_the_api_token_needs_the_code_in_the_same_request(world):
    client = APIClient()
    body = {"username": "county_officer", "password": DEMO_PASSWORD}
    missing = client.post(TOKEN, body, format="json")
    assert (missing.status_code, missing.json()["code"]) == (401, "otp_required")
    wrong = client.post(TOKEN, {**body, "otp": "000000"}, format="json")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "otp_invalid")
    with _later(3):  # django-otp slows guessing: after a wrong code, a short wait
        code = demo_totp_code("county_officer")
        right = client.post(TOKEN, {**body, "otp": code}, format="json")
    assert right.status_code == 200 and right.json()["token"]
    expert = client.post(TOKEN, {"username": "expert", "password": DEMO_PASSWORD}, format="json")
    assert expert.status_code == 200  # not required of experts by default


def test_the_api_token_refuses_a_user_who_never_set_it_up(world):
    TOTPDevice.objects.filter(user=world["county_officer"]).delete()
    response = APIClient().post(
        TOKEN, {"username": "county_officer", "password": DEMO_PASSWORD, "otp": "1"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (401, "otp_not_enrolled")


def test_an_administrator_resets_a_lost_phone_with_a_reason(world, login, api):
    victim = world["township_officer"]
    ApiToken.objects.create(
        user=victim, digest="x" * 64, expires_at=timezone.now() + dt.timedelta(hours=1)
    )
    page = login(world["county_admin"]).get(reverse("accounts:user_detail", args=[victim.pk]))
    assert 'data-testid="reset-otp"' in page.content.decode()
    url = reverse("accounts:user_reset_otp", args=[victim.pk])
    login(world["county_admin"]).post(url, {"reason": ""})
    assert TOTPDevice.objects.filter(user=victim).exists()  # a reason is required
    login(world["county_admin"]).post(url, {"reason": "手机丢失，本人电话核实"})
    assert not TOTPDevice.objects.filter(user=victim).exists()
    assert not StaticDevice.objects.filter(user=victim).exists()
    assert not ApiToken.objects.filter(user=victim).exists()
    event = AuditEvent.objects.get(action="user.otp_reset", object_id=str(victim.pk))
    assert event.reason == "手机丢失，本人电话核实" and event.actor_id == world["county_admin"].pk
    # The API does the same; another county's administrator cannot reach the user.
    other = api(world["other_county_admin"]).post(
        f"/api/v1/users/{victim.pk}/reset-otp/", {"reason": "x"}, format="json"
    )
    assert other.status_code == 404
    officer = api(world["county_officer"]).post(
        f"/api/v1/users/{victim.pk}/reset-otp/", {"reason": "x"}, format="json"
    )
    assert officer.status_code == 403


def test_the_test_login_helper_is_otp_verified(world, login):
    client = login(world["county_officer"])
    assert DEVICE_ID_SESSION_KEY in client.session
    assert client.get("/").status_code == 200

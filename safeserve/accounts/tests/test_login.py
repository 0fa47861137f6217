from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from safeserve.accounts.middleware import LAST_SEEN, LOGIN_AT
from safeserve.accounts.models import ApiToken, LoginLog, LoginResult
from safeserve.accounts.services import user_deactivate
from safeserve.audit.models import AuditEvent
from safeserve.demo.seed import demo_totp_code
from safeserve.demo.testing import password_login
from safeserve.organizations.services import organization_deactivate

PASSWORD = "demo-Pass-2026"
LOGIN = "/accounts/login/"


def _post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    """The login page, then the authenticator code where the role needs one."""
    return password_login(client, username, password, REMOTE_ADDR=ip)


def test_it_logs_in_with_a_new_session_and_records_it(world):
    client = Client()
    client.get(LOGIN)
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    response = _post_login(client, "county_officer", PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    assert client.session.session_key != before  # no session fixation
    entry = LoginLog.objects.get(username="county_officer")
    assert entry.result == LoginResult.SUCCESS and entry.ip == "10.0.0.1"
    assert entry.county_id == world["county_officer"].organization.county_id
    assert AuditEvent.objects.filter(action="auth.login", actor=world["county_officer"]).exists()


def test_the_login_page_speaks_chinese(world):
    response = Client().get(LOGIN)
    assert "登录" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_a_wrong_password_is_refused_in_chinese_and_logged(world):
    response = _post_login(Client(), "county_officer", "wrong-password-1")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert LoginLog.objects.get().result == LoginResult.FAILED
    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 1


def test_it_locks_the_account_after_five_failures_from_any_address(world):
    for n in range(5):
        _post_login(Client(), "township_officer", f"wrong-{n}-password", ip=f"10.0.0.{n}")
    # the right password from yet another address is still refused: lockout is by account
    response = _post_login(Client(), "township_officer", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "锁定" in response.content.decode()
    # the fifth failure locks the account and is logged as such, like the refused sixth try
    assert LoginLog.objects.filter(result=LoginResult.FAILED).count() == 4
    assert LoginLog.objects.filter(result=LoginResult.LOCKED).count() == 2
    # a colleague behind the same address is not affected
    assert _post_login(Client(), "township_leader", PASSWORD, ip="10.0.0.1").status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(world):
    for n in range(5):
        _post_login(Client(), "township_officer", f"wrong-{n}-password")
    assert _post_login(Client(), "township_officer", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _post_login(Client(), "township_officer", PASSWORD).status_code == 302


def test_failures_on_the_api_token_endpoint_count_towards_the_lockout(world, api):
    client = api()
    for n in range(3):
        r = client.post(
            "/api/v1/auth/token/", {"username": "expert", "password": f"bad-{n}-pw"}, format="json"
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid_credentials"
    for n in range(2):
        _post_login(Client(), "expert", f"bad-web-{n}")
    r = client.post(
        "/api/v1/auth/token/", {"username": "expert", "password": PASSWORD}, format="json"
    )
    assert r.status_code == 429
    assert r.json()["code"] == "account_locked"
    assert "锁定" in r.json()["message"]
    assert _post_login(Client(), "expert", PASSWORD).status_code == 429


def _logged_in(username: str) -> Client:
    client = Client()
    assert _post_login(client, username, PASSWORD).status_code == 302
    return client


def _shift_session(client: Client, **seconds_ago: float) -> None:
    session = client.session
    now = time.time()
    if "login" in seconds_ago:
        session[LOGIN_AT] = now - seconds_ago["login"]
    if "seen" in seconds_ago:
        session[LAST_SEEN] = now - seconds_ago["seen"]
    session.save()


def test_an_idle_session_expires_after_thirty_minutes(world):
    client = _logged_in("county_officer")
    _shift_session(client, seen=31 * 60)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert LoginLog.objects.filter(result=LoginResult.TIMEOUT).count() == 1
    assert client.get("/").status_code == 302  # still logged out


def test_activity_renews_the_idle_timer(world):
    client = _logged_in("county_officer")
    _shift_session(client, seen=29 * 60)
    assert client.get("/").status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5
    _shift_session(client, login=60 * 60)  # an hour in, active all along
    assert client.get("/").status_code == 200


def test_a_session_ends_after_twelve_hours_however_active(world):
    client = _logged_in("county_officer")
    _shift_session(client, login=12 * 3600 + 1, seen=1)
    response = client.get("/")
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_an_expired_session_answers_htmx_with_a_redirect_header(world):
    client = _logged_in("county_officer")
    _shift_session(client, seen=31 * 60)
    response = client.get("/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("accounts:login")


def test_deactivation_ends_the_users_sessions_and_tokens(world, api):
    victim = _logged_in("township_officer")
    # The next 30-second code: an authenticator code works once (no replay).
    traveller = time_machine.travel(timezone.now() + timedelta(seconds=31))
    traveller.start()
    token = (
        api()
        .post(
            "/api/v1/auth/token/",
            {
                "username": "township_officer",
                "password": PASSWORD,
                "otp": demo_totp_code("township_officer"),
            },
            format="json",
        )
        .json()["token"]
    )
    traveller.stop()
    user_deactivate(actor=world["county_admin"], user=world["township_officer"], reason="调离")
    assert victim.get("/").status_code == 302
    assert not ApiToken.objects.filter(user=world["township_officer"]).exists()
    r = api().get("/api/v1/users/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert r.status_code == 401
    refused = _post_login(Client(), "township_officer", PASSWORD)
    assert "已停用" in refused.content.decode()
    assert LoginLog.objects.filter(result=LoginResult.INACTIVE).exists()


def test_deactivating_an_organization_ends_its_users_sessions(world):
    victim = _logged_in("enterprise_user")
    organization_deactivate(
        actor=world["county_admin"],
        organization=world["enterprise_user"].organization,
        reason="注销",
    )
    assert victim.get("/").status_code == 302
    assert "已停用" in _post_login(Client(), "enterprise_user", PASSWORD).content.decode()


def test_logout_is_recorded_and_requires_post(world):
    client = _logged_in("county_officer")
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert LoginLog.objects.filter(result=LoginResult.LOGOUT).count() == 1
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("county_officer", 200),
        ("county_leader", 200),
        ("township_officer", 403),
        ("department_officer", 403),
        ("provider_admin", 403),
        ("expert", 403),
        ("enterprise_user", 403),
        ("evaluator", 403),
        ("other_county_officer", 200),
        ("admin", 200),
    ],
)
def test_who_reads_the_login_log(world, login, username, status):
    assert login(world[username]).get(reverse("accounts:login_log")).status_code == status


def test_the_login_log_shows_only_the_own_county(world, login):
    _post_login(Client(), "county_officer", "wrong-password-x", ip="10.1.1.1")
    _post_login(Client(), "other_county_officer", "wrong-password-y", ip="10.2.2.2")
    page = login(world["county_officer"]).get(reverse("accounts:login_log")).content.decode()
    assert "10.1.1.1" in page and "10.2.2.2" not in page
    page = login(world["other_county_officer"]).get(reverse("accounts:login_log")).content.decode()
    assert "10.2.2.2" in page and "10.1.1.1" not in page

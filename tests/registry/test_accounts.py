"""Log-in throttling (registry/accounts.py) and self-service password change (registry/views_accounts.py).

Two layers: django-axes locks one (user name, address) pair after five failures; failures for one user name
from anywhere make the next attempt wait (growing, capped), except from a browser that user logged in with
before. Tests run behind a simulated reverse proxy where it matters."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from registry import accounts
from tests import factories

PASSWORD = "Test@2024pass"
PROXY = "10.0.0.1"


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.LOGIN_USER_FREE_FAILURES = 5
    settings.LOGIN_USER_DELAY_SECONDS = 30
    settings.LOGIN_USER_MAX_DELAY_SECONDS = 900
    settings.TRUSTED_PROXIES = 1
    cache.clear()
    yield
    cache.clear()


def attempt(client, password, client_addr, username="officer"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_addr)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- the schedule ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("failures, delay", [(0, 0), (4, 0), (5, 30), (6, 60), (7, 120), (9, 480), (10, 900), (60, 900)])
def test_accounts_delay_grows_from_the_fifth_failure_and_is_capped(failures, delay):
    assert accounts.delay_after(failures) == delay


def test_accounts_wait_counts_down_from_the_last_failure():
    for _ in range(5):
        accounts.record_failure("Officer", now=1000.0)
    assert accounts.wait_seconds("officer", now=1000.0) == 30  # user names compare case-insensitively
    assert accounts.wait_seconds("officer", now=1029.5) == 1
    assert accounts.wait_seconds("officer", now=1030.0) == 0


def test_accounts_four_failures_impose_no_wait():
    for _ in range(4):
        accounts.record_failure("officer", now=1000.0)
    assert accounts.wait_seconds("officer", now=1000.0) == 0


# --- through the log-in page, behind a proxy ------------------------------------------------------------------

@pytest.mark.django_db
def test_accounts_guesses_spread_over_addresses_make_the_next_attempt_wait(client):
    factories.UserFactory(username="officer")
    for i in range(5):
        assert attempt(client, "wrong-password", f"203.0.113.{i}").status_code == 200
    assert not AccessAttempt.objects.filter(failures_since_start__gte=5).exists()  # no pair reached the lockout
    response = attempt(client, PASSWORD, "203.0.113.99")
    assert response.status_code == 200
    assert not logged_in(client)
    assert response.context["form"].non_field_errors() == [
        "该用户名登录失败次数过多。请等待 30 秒后再试；以前登录过的浏览器无需等待。"]
    assert AccessFailureLog.objects.count() == 5  # the throttled attempt never reached the password check


@pytest.mark.django_db
def test_accounts_the_officer_on_a_known_browser_is_never_made_to_wait():
    factories.UserFactory(username="officer")
    officer = Client()
    assert attempt(officer, PASSWORD, "203.0.113.10").status_code == 302
    officer.post(reverse("logout"))
    attacker = Client()
    for i in range(12):
        attempt(attacker, "wrong-password", f"198.51.100.{i}")
    assert accounts.wait_seconds("officer") > 0
    assert attempt(officer, PASSWORD, "203.0.113.10").status_code == 302
    assert logged_in(officer)


@pytest.mark.django_db
def test_accounts_a_known_device_cookie_for_another_user_does_not_help():
    factories.UserFactory(username="officer")
    factories.UserFactory(username="other")
    browser = Client()
    assert attempt(browser, PASSWORD, "203.0.113.10", username="other").status_code == 302
    browser.post(reverse("logout"))
    for i in range(5):
        attempt(Client(), "wrong-password", f"198.51.100.{i}")
    response = attempt(browser, PASSWORD, "203.0.113.10")
    assert response.status_code == 200 and not logged_in(browser)


@pytest.mark.django_db
def test_accounts_a_forged_device_cookie_is_ignored():
    factories.UserFactory(username="officer")
    for i in range(5):
        attempt(Client(), "wrong-password", f"198.51.100.{i}")
    forger = Client()
    forger.cookies[accounts.DEVICE_COOKIE] = accounts._user_key("officer")
    assert attempt(forger, PASSWORD, "203.0.113.50").status_code == 200
    assert not logged_in(forger)


@pytest.mark.django_db
def test_accounts_five_failures_from_one_address_lock_that_address_only(settings):
    settings.LOGIN_USER_FREE_FAILURES = 100  # isolate the per-address layer
    factories.UserFactory(username="officer")
    attacker, officer = Client(), Client()
    for _ in range(5):
        attempt(attacker, "wrong-password", "198.51.100.7")
    locked = attempt(attacker, PASSWORD, "198.51.100.7")
    assert locked.status_code in (403, 429) and "登录失败次数过多" in locked.content.decode()
    assert attempt(officer, PASSWORD, "203.0.113.10").status_code == 302
    attempt_row = AccessAttempt.objects.get(username="officer")
    assert attempt_row.ip_address == "198.51.100.7"  # the client behind the proxy, not the proxy


@pytest.mark.django_db
def test_accounts_a_spoofed_forwarded_header_without_a_trusted_proxy_does_not_escape_the_lockout(settings):
    settings.TRUSTED_PROXIES = 0
    settings.LOGIN_USER_FREE_FAILURES = 100
    factories.UserFactory(username="officer")
    attacker = Client()
    for i in range(5):
        attempt(attacker, "wrong-password", f"198.51.100.{i}")  # a new "address" each time: not believed
    locked = attempt(attacker, PASSWORD, "198.51.100.200")
    assert locked.status_code in (403, 429)
    assert AccessAttempt.objects.get(username="officer").ip_address == PROXY


@pytest.mark.django_db
def test_accounts_a_successful_log_in_clears_the_count():
    factories.UserFactory(username="officer")
    for i in range(4):
        attempt(Client(), "wrong-password", f"198.51.100.{i}")
    assert attempt(Client(), PASSWORD, "203.0.113.10").status_code == 302
    attempt(Client(), "wrong-password", "198.51.100.9")
    assert accounts.wait_seconds("officer") == 0


@pytest.mark.django_db
def test_accounts_logins_failures_and_lockouts_are_visible_to_the_administrator(client, settings):
    settings.LOGIN_USER_FREE_FAILURES = 100
    factories.UserFactory(username="officer")
    for _ in range(5):
        attempt(Client(), "wrong-password", "198.51.100.7")
    attempt(Client(), PASSWORD, "203.0.113.10")
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    failures = client.get(reverse("admin:axes_accessfailurelog_changelist")).content.decode()
    assert failures.count("198.51.100.7") >= 5
    lockouts = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "198.51.100.7" in lockouts
    assert AccessLog.objects.filter(username="officer", ip_address="203.0.113.10").count() == 1
    assert "203.0.113.10" in client.get(reverse("admin:axes_accesslog_changelist")).content.decode()


# --- password change ----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_accounts_a_person_changes_their_own_password(client):
    user = factories.UserFactory(username="officer")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "Lv-Se#2025-Zhizao",
                                                        "new_password2": "Lv-Se#2025-Zhizao"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Lv-Se#2025-Zhizao")
    assert logged_in(client)  # the session survives its own password change


@pytest.mark.django_db
def test_accounts_a_weak_new_password_is_refused_by_the_validators(client):
    user = factories.UserFactory(username="officer")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678901",
                                                        "new_password2": "12345678901"})
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == ["这个密码太常见了。", "密码只包含数字。"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_accounts_a_wrong_old_password_is_refused(client):
    user = factories.UserFactory(username="officer")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("password_change"), {"old_password": "nope", "new_password1": "Lv-Se#2025-Zhizao",
                                                        "new_password2": "Lv-Se#2025-Zhizao"})
    assert response.context["form"].errors["old_password"] == ["你的旧密码不正确。请重新输入。"]


@pytest.mark.django_db
def test_accounts_password_change_needs_a_log_in(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

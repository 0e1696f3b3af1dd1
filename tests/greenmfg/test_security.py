"""The deployment checklist, the Content-Security-Policy, login throttling, password rules and sessions."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests import factories

ROOT = settings.BASE_DIR
PRODUCTION_ENV = {**os.environ, "DJANGO_PRODUCTION": "1", "DJANGO_DEBUG": "0",
                  "DJANGO_SECRET_KEY": "x9$Lk2!vQ7#pR4@tW8^zN1&mB6*cF3(hJ5)yD0_sG-eA+uK=Vq7Tn2Wc5Rb8Yd",
                  "DJANGO_ALLOWED_HOSTS": "green.example.gov.cn"}
PRODUCTION_ENV.pop("REDIS_CACHE_URL", None)
PRODUCTION_ENV.pop("DJANGO_TRUSTED_PROXIES", None)


def test_security_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {**PRODUCTION_ENV, "REDIS_CACHE_URL": "redis://127.0.0.1:6379/2", "DJANGO_TRUSTED_PROXIES": "1",
           "PORTAL_BASE_URL": "https://green.example.gov.cn", "GREENCODE_SIGNING_KEY_DIR": str(tmp_path / "keys"),
           "DJANGO_MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests; never in production
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_security_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_PRODUCTION": "1"}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_security_pages_carry_a_content_security_policy(client):
    response = client.get(reverse("registry:public_lookup"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_security_no_inline_scripts_in_rendered_pages(client):
    body = client.get(reverse("landing")).content.decode()
    assert "onclick=" not in body and "onchange=" not in body
    assert "<script>" not in body


@pytest.mark.django_db
def test_security_login_locks_after_five_failures(client):
    factories.UserFactory(username="victim")
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "victim", "password": "wrong-password"})
    response = client.post(url, {"username": "victim", "password": "Test@2024pass"})
    assert response.status_code in (403, 429)
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_security_login_works_and_lands_on_home(client):
    factories.province_user("officer")
    response = client.post(reverse("login"), {"username": "officer", "password": "Test@2024pass"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("password", ["12345678901", "password123", "short1!", "guangdong"])
def test_security_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_security_strong_password_is_accepted():
    validate_password("Lv-Se#2024-Zhizao")


def test_security_sessions_expire():
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_security_check_deploy_fails_plainly_when_production_runs_on_a_per_process_cache():
    env = {**PRODUCTION_ENV, "DJANGO_TRUSTED_PROXIES": "1"}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "greenmfg.E001" in result.stderr
    assert "Production runs on a per-process cache (LocMemCache)" in result.stderr
    assert "Set REDIS_CACHE_URL" in result.stderr


def test_security_language_cookie_is_secure_httponly_and_samesite_in_production():
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'greenmfg.settings'; django.setup(); "
            "from django.conf import settings as s; "
            "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.LANGUAGE_COOKIE_SAMESITE)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=PRODUCTION_ENV, capture_output=True, text=True)
    assert result.stdout.split() == ["True", "True", "Lax"], result.stderr


@pytest.mark.django_db
def test_security_language_cookie_is_set_with_those_flags(client, settings):
    settings.LANGUAGE_COOKIE_SECURE = True
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")

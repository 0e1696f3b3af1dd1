"""The green code's system checks: a production portal must name its public address and its key directory."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from greencode import checks


def _ids(issues) -> list[str]:
    return [i.id for i in issues]


def test_checks_production_without_portal_base_url_is_an_error(settings, tmp_path):
    settings.PORTAL_BASE_URL = ""
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)

    assert _ids(checks.green_code_production_settings()) == ["greencode.E001"]


@pytest.mark.parametrize(("base", "ids"), [
    ("https://green.example.gov.cn", []),
    ("http://green.example.gov.cn", ["greencode.W003"]),
    ("https://127.0.0.1:8000", ["greencode.E004"]),
    ("http://localhost:8000", ["greencode.W003", "greencode.E004"]),
    ("https://[::1]", ["greencode.E004"]),
    ("https://10.20.30.40", []),  # an intranet address is reachable by the province's own staff
])
def test_checks_deploy_wants_https_and_not_this_machine(settings, tmp_path, base, ids):
    settings.PORTAL_BASE_URL = base
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)

    assert _ids(checks.green_code_production_settings()) == ids


def test_checks_production_without_a_key_directory_is_an_error(settings):
    settings.PORTAL_BASE_URL = "https://green.example.gov.cn"
    settings.GREENCODE_SIGNING_KEY_DIR = ""

    assert _ids(checks.green_code_production_settings()) == ["greencode.E005"]


def test_checks_private_keys_readable_by_others_are_reported(settings, tmp_path):
    settings.PORTAL_BASE_URL = "https://green.example.gov.cn"
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)
    (tmp_path / "gd-1.pem").write_text("x")
    os.chmod(tmp_path / "gd-1.pem", 0o644)

    issues = checks.green_code_production_settings()

    assert _ids(issues) == ["greencode.W006"] and "gd-1.pem" in issues[0].msg


@pytest.mark.parametrize(("base", "ids"), [("", []), ("http://127.0.0.1:8000", []),
                                           ("green.example.gov.cn", ["greencode.E002"]),
                                           ("https://green.example.gov.cn/portal/", ["greencode.E002"])])
def test_checks_an_unusable_base_url_is_reported_by_every_check_run(settings, base, ids):
    settings.PORTAL_BASE_URL = base

    assert _ids(checks.portal_base_url_is_usable()) == ids


def test_checks_manage_py_check_deploy_reports_a_missing_portal_base_url():
    env = {**os.environ, "DJANGO_PRODUCTION": "1", "DJANGO_DEBUG": "0",
           "DJANGO_SECRET_KEY": "x9$Lk2!vQ7#pR4@tW8^zN1&mB6*cF3(hJ5)yD0_sG-eA+uK=Vq7Tn2Wc5Rb8Yd",
           "DJANGO_ALLOWED_HOSTS": "green.example.gov.cn"}
    for name in ("PORTAL_BASE_URL", "GREENCODE_SIGNING_KEY_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)

    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=django_settings.BASE_DIR, env=env,
                            capture_output=True, text=True)

    assert result.returncode == 1
    assert "greencode.E001" in result.stderr and "PORTAL_BASE_URL is not set" in result.stderr
    assert "greencode.E005" in result.stderr

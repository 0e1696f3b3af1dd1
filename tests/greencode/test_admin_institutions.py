"""The institutions' admin is read-only and never shows a key's hash."""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import login

from .institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db


def test_admin_institutions_read_only_without_the_hash(client):
    _province, institution, key, raw = institution_with_key()
    admin = get_user_model().objects.create_superuser("ops", "ops@example.com", "x-ops-password-1")
    login(client, admin)
    page = client.get(f"/admin/greencode/apikey/{key.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert key.prefix in html and key.hashed not in html and raw not in html
    assert client.get("/admin/greencode/institution/add/").status_code == 403
    assert client.post(f"/admin/greencode/institution/{institution.pk}/delete/", {"post": "yes"}).status_code == 403

"""The models and the migrations say the same: a constraint or field changed in a model without its migration
would leave the database enforcing the old rule (the tests' database is built from the migrations)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db  # makemigrations checks the applied history
def test_every_model_change_has_its_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        raise AssertionError(f"a model change has no migration:\n{out.getvalue()}") from exc

"""The hand-made cohorts of the green-code tests."""

from tests.greencode.conftest import make_factory  # noqa: F401 (a fixture)

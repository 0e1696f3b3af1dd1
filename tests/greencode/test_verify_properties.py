"""Property-based: anything thrown at the public verification page and API gives a clear answer —
never a 500, never indicator data, never a unit's name unless the token or number is genuine."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greencode.services import codes
from tests.greencode.test_views import cohort, issued

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120),
    st.sampled_from(["", " ", "..", "%00", "<script>alert(1)</script>", "' OR 1=1 --", "GD-2024-N0000001",
                     "eyJuIjoiR0QtMjAyNC1OMDAwMDAwMSJ9:1:x", "a" * 2000]),
)


@pytest.fixture
def genuine(make_factory):
    units = cohort(make_factory, 3)
    _user, code = issued(units[0])
    return units[0], code


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=junk, kind=st.sampled_from(["token", "number"]))
def test_verify_api_arbitrary_input_answers_plainly(client, genuine, value, kind):
    unit, code = genuine
    cache.clear()  # the rate limit is tested on its own
    response = client.get(reverse("greencode:verify_api"), {kind: value})
    assert response.status_code in (200, 400)
    body = response.json()
    text = response.content.decode()
    assert "energy_per_output" not in text and "composite" not in text
    genuine_input = value in (codes.sign(code), code.number)
    if not genuine_input and response.status_code == 200:
        assert body["status"] == "unknown"
        assert body["name"] is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#%\\"),
                     min_size=1, max_size=200))
def test_verify_page_arbitrary_token_is_never_a_500(client, genuine, token):
    unit, _code = genuine
    cache.clear()
    response = client.get(reverse("greencode:verify_token", args=[token]))
    assert response.status_code in (200, 404)
    assert unit.name not in response.content.decode()

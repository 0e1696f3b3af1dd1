"""The API's own limit: GREENCODE_API_RATE requests per minute per key, a fresh budget each minute."""

import pytest
from django.core.cache import cache

from greencode.api_ratelimit import over_limit


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()


def test_api_ratelimit_allows_exactly_the_rate_per_key_and_minute(settings):
    settings.GREENCODE_API_RATE = 3
    minute = 60 * 1000.0
    assert [over_limit(1, now=minute) for _ in range(4)] == [False, False, False, True]
    assert over_limit(2, now=minute) is False  # another key has its own budget
    assert over_limit(1, now=minute + 60) is False  # the next minute starts afresh

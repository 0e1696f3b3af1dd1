"""The dashboards' shares: 0 of 0 is not 0 % (the page shows "—"), and every progress bar has a name."""

import pytest
from django.template.loader import render_to_string
from lxml import html

from reviews.services.progress import CityProgress, pct


@pytest.mark.parametrize(("part", "whole", "expected"), [(0, 0, None), (0, 3, 0), (1, 3, 33), (2, 3, 67), (3, 3, 100)])
def test_pct_rounds_and_has_no_value_without_a_denominator(part, whole, expected):
    assert pct(part, whole) == expected


def test_progress_table_shows_a_dash_for_nothing_to_count_and_names_each_bar(db):
    from registry.models import City

    city = City.objects.order_by("seed_order").first()
    row = CityProgress(city=city, listed=4, filed=2, accepted=1)  # nothing needs assessment: 0 of 0
    page = html.fromstring(render_to_string("reviews/_progress_table.html", {"rows": [row], "total": row}))
    cells = page.xpath("//tbody/tr/td[contains(@class, 'progress-cell')]")
    assessed = cells[2]
    assert assessed.text_content().strip() == "—"
    assert not assessed.xpath(".//*[@role='progressbar']")
    bars = page.xpath("//*[@role='progressbar']")
    assert [b.get("aria-label") for b in bars][:2] == [f"{city.name} · 已填报", f"{city.name} · 已通过"]
    assert bars[0].get("aria-valuetext") == "2/4 · 50%"

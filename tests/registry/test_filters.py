"""The unit list's sort choices are Chinese, the descending ones included (django-filter has no zh-Hans)."""

from django.utils import translation

from registry.filters import UnitFilter


def test_sort_choices_are_worded_in_the_page_language_when_drawn():
    choices = dict(UnitFilter().filters["sort"].field.choices)
    with translation.override("zh-hans"):
        assert (str(choices["name"]), str(choices["-name"])) == ("名称", "名称（降序）")
        assert not [str(label) for label in choices.values() if "descending" in str(label)]
    with translation.override("en"):
        assert str(choices["-updated_at"]) == "Last updated (descending)"

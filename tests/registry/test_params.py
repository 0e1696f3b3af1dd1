"""registry/params.py: numbers from query strings and posts, ASCII digits only."""

import pytest

from registry.params import int_list, int_or_none


@pytest.mark.parametrize("text, number", [("0", 0), ("7", 7), (" 42 ", 42), ("123456789", 123456789), ("007", 7)])
def test_params_ascii_digits_are_numbers(text, number):
    assert int_or_none(text) == number


@pytest.mark.parametrize("text", ["", " ", "²", "٣", "１２", "Ⅻ", "-1", "+1", "1.0", "1e3", "1_000", "1234567890",
                                  "0x1", "一", "\x00", "7\n8"])
def test_params_anything_else_is_none(text):
    assert int_or_none(text) is None


@pytest.mark.parametrize("value", [None, 5, 5.0, b"5", ["5"]])
def test_params_non_strings_are_none(value):
    assert int_or_none(value) is None


def test_params_int_list_keeps_order_drops_junk_and_repeats():
    assert int_list(["3", "²", "1", "3", "", "٣", "2"]) == [3, 1, 2]

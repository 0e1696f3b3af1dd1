import pytest
from django.utils import translation

from registry.creditcode import check_character, credit_code_error, is_valid, make_code

# Published codes of real enterprises, and the example in GB 32100-2015.
KNOWN_VALID = [
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91350100M000100Y43",  # GB 32100-2015 example
    "91110000600037341L",
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_credit_code_known_valid_codes_pass(code):
    assert is_valid(code)
    assert credit_code_error(code.lower()) is None  # case and spaces are forgiven
    assert credit_code_error(f" {code} ") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("914403001922038217", "校验位错误"),  # last character changed
        ("914403001922038261", "校验位错误"),  # two characters swapped
        ("91440300708461136", "18 位"),  # one short
        ("91440300708461136TT", "18 位"),  # one long
        ("9144030070846113IT", "“I”"),  # I is never used
        ("91440300708461136Z", "“Z”"),
        ("", "18 位"),
    ],
)
def test_credit_code_known_invalid_codes_are_rejected_with_a_reason(code, expected):
    with translation.override("zh-hans"):
        message = credit_code_error(code)
    assert message is not None
    assert expected in message


def test_credit_code_check_character_names_the_right_one():
    with translation.override("zh-hans"):
        message = credit_code_error("914403001922038210")
    assert "“6”" in message


def test_credit_code_make_code_builds_valid_codes_for_every_division():
    code = make_code("440100", "MA5ABCDE1")
    assert code[2:8] == "440100"
    assert is_valid(code)
    assert check_character(code[:17]) == code[-1]

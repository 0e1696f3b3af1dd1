import pytest
from django.utils import translation

from registry.creditcode import check_character, credit_code_error, credit_code_problem, is_valid, make_code, normalise

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


# --- codes as they are in the wild ---------------------------------------------------------------------------

def test_credit_code_input_is_trimmed_upper_cased_and_made_half_width():
    code = "91440300708461136T"
    assert normalise(" 9144 0300 7084 6113 6t ") == code
    assert normalise("９１４４０３００７０８４６１１３６Ｔ") == code


@pytest.mark.parametrize("masked", ["91445281MAD******E", "914403**********6T", "91440300708461136＊"])
def test_credit_code_masked_codes_are_refused_with_a_message_that_says_so(masked):
    with translation.override("en"):
        problem = credit_code_problem(masked)
    assert problem.kind == "masked"
    assert "masked" in problem.message


@pytest.mark.parametrize(("prefix", "what"), [("11", "管委会 (an organ)"), ("12", "事业单位"), ("51", "社会团体"),
                                              ("91", "企业"), ("92", "个体工商户"), ("Y1", "其他")])
def test_credit_code_every_registering_authority_is_accepted(prefix, what):
    assert is_valid(make_code("440500", "MB2C12345", prefix=prefix)), what


@pytest.mark.parametrize("division", ["445221", "441283", "999999"])
def test_credit_code_characters_3_to_8_are_never_checked_against_divisions(division):
    """揭东县 (445221) became 揭东区 and 高要市 (441283) 高要区: their codes stay valid."""
    assert is_valid(make_code(division, "MA4UABCDE"))


def test_credit_code_a_failed_check_is_the_only_waivable_problem():
    code = make_code("440300", "708461136")
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert credit_code_problem(typo).kind == "check"
    assert credit_code_problem(code[:-1]).kind == "length"
    assert credit_code_problem(code[:-1] + "I").kind == "alphabet"


def test_creditcode_validator_refuses_with_the_reason():
    from django.core.exceptions import ValidationError

    from registry.creditcode import credit_code_error, make_code, validate_credit_code

    good = make_code("440100", "MA5ABCDEF")
    validate_credit_code(good)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(bad)
    assert refused.value.messages == [credit_code_error(bad)]

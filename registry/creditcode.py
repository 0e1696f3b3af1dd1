"""The 18-character unified social credit code (统一社会信用代码, GB 32100-2015).

Alphabet `0-9 A-H J-N P-R T U W-Y` (no I, O, S, V, Z); weights 3**i mod 31; the 18th character is the
check character `31 - (sum(value * weight) mod 31)`, where 31 maps to 0. Characters 3-8 are the
administrative division code of the registering authority.

Codes as they are in the wild:
- every registering authority's codes are accepted: 91… for companies, 11… for organs such as a park's
  administrative committee (管委会), 12… for public institutions (事业单位), and the rest;
- characters 3-8 are never checked against today's divisions: a code keeps the county that issued it, which
  may no longer exist (445221 揭东县, 441283 高要市);
- notices print masked codes (91445281MAD******E): they are refused with a message that says so;
- a code that fails the check character is refused, except that the province may record one, with a reason,
  for the rare legal code issued before 2016 (registry.services.set_credit_code).
"""

import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The 18th character for the given first 17. Raises ValueError on a character outside the alphabet."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    try:
        total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed") from None
    return ALPHABET[(31 - total % 31) % 31]


# Characters with which notices hide part of a code.
MASK_CHARACTERS = frozenset("*●•·×?")


def normalise(code: str) -> str:
    """Trimmed, upper-cased, full-width characters made half-width, inner spaces dropped."""
    return "".join(unicodedata.normalize("NFKC", code or "").split()).upper()


@dataclass(frozen=True)
class CodeProblem:
    kind: str  # "masked", "length", "alphabet" or "check"
    message: str


def credit_code_problem(code: str) -> CodeProblem | None:
    """What is wrong with `code`, or None when it is a valid code. Only "check" can ever be waived."""
    code = normalise(code)
    if any(ch in MASK_CHARACTERS for ch in code):
        return CodeProblem("masked", _(
            "This code is masked (part of it is hidden, as notices print it). Enter the full 18-character code "
            "from the business licence."))
    if len(code) != 18:
        return CodeProblem("length", _("A unified social credit code has 18 characters; this one has %(n)d.")
                           % {"n": len(code)})
    bad = [ch for ch in code if ch not in _VALUE]
    if bad:
        return CodeProblem("alphabet", _(
            "Character “%(ch)s” cannot appear in a unified social credit code (I, O, S, V and Z are never used).")
            % {"ch": bad[0]})
    expected = check_character(code[:17])
    if code[17] != expected:
        return CodeProblem("check", _(
            "The check character is wrong: the last character should be “%(expected)s”, not “%(got)s”. Please "
            "check the code for typing errors.") % {"expected": expected, "got": code[17]})
    return None


def credit_code_error(code: str) -> str | None:
    """A message saying what is wrong with `code`, or None when it is a valid code."""
    problem = credit_code_problem(code)
    return problem.message if problem else None


def is_valid(code: str) -> bool:
    return credit_code_error(code) is None


def validate_credit_code(value: str) -> None:
    """Django field validator."""
    error = credit_code_error(value)
    if error:
        raise ValidationError(error, code="invalid_credit_code")


def make_code(division: str, body: str, prefix: str = "91") -> str:
    """Build a valid code from a 2-character prefix, a 6-digit division code and a 9-character body."""
    first17 = f"{prefix}{division}{body}"
    return first17 + check_character(first17)

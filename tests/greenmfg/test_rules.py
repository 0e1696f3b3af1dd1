"""greenmfg/rules.py: the shape of every rule's answer. A Decision is true exactly when it allows, a denial
carries its reason as a string (a lazy translation is rendered in the active language), and require() turns a
denial into PermissionDenied with that reason."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from greenmfg.rules import ALLOWED, Decision, deny, require


def test_allowed_is_true_with_no_reason():
    assert (ALLOWED.allowed, ALLOWED.reason) == (True, "")
    assert bool(ALLOWED) is True


def test_a_decision_has_an_empty_reason_unless_given():
    assert Decision(False).reason == ""
    assert Decision(True).reason == ""


@pytest.mark.parametrize("allowed", [True, False])
def test_a_decision_is_true_exactly_when_it_allows(allowed):
    assert bool(Decision(allowed, "why")) is allowed


def test_a_decision_cannot_be_changed():
    with pytest.raises(AttributeError):
        ALLOWED.allowed = False  # a shared constant: no caller may turn it into a denial


def test_deny_is_a_false_decision_with_the_reason():
    denial = deny("Only the province can do this.")
    assert denial == Decision(allowed=False, reason="Only the province can do this.")
    assert bool(denial) is False


def test_deny_renders_a_lazy_reason_in_the_active_language():
    with translation.override("en"):
        denial = deny(_("Only the provincial department can do this."))
    assert denial == Decision(False, "Only the provincial department can do this.")
    assert type(denial.reason) is str
    with translation.override("zh-hans"):
        assert deny(_("not yet created")) == Decision(False, "尚未创建")


def test_require_lets_an_allowed_decision_through():
    assert require(ALLOWED) is None
    assert require(Decision(True, "a reason that does not matter")) is None


def test_require_refuses_a_denial_with_its_reason():
    with pytest.raises(PermissionDenied) as refused:
        require(deny("Only the enterprise itself can do this."))
    assert refused.value.args == ("Only the enterprise itself can do this.",)

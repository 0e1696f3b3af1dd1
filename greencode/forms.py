from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Industry

from .enums import InstitutionKind
from .models import Institution
from .services.scoring import scored_indicators


def _indicator_choices():
    return [(i.code, f"{i.label} ({i.unit})" if i.unit else str(i.label)) for i in scored_indicators()]


class IndustryIndicatorForm(forms.Form):
    """An industry division and one of its scored indicators (baseline values, applicability)."""

    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.all(),
                                      error_messages={"required": _("Industry: choose an industry."),
                                                      "invalid_choice": _("Industry: choose an industry from the list.")})
    code = forms.ChoiceField(label=_("Indicator"), choices=_indicator_choices,
                             error_messages={"required": _("Indicator: choose an indicator."),
                                             "invalid_choice": _("Indicator: choose an indicator from the list.")})


class NotApplicableForm(IndustryIndicatorForm):
    reason = forms.CharField(label=_("Why it does not apply"), max_length=300,
                             error_messages={"required": _("Why it does not apply: it cannot be empty."),
                                             "max_length": _("Why it does not apply: at most 300 characters.")})


class BenchmarkForm(IndustryIndicatorForm):
    baseline = forms.DecimalField(label=_("Baseline value (基准值, 0 points)"), max_digits=18, decimal_places=6,
                                  min_value=0, error_messages={"required": _("Baseline value: enter a number."),
                                                               "invalid": _("Baseline value: enter a number."),
                                                               "min_value": _("Baseline value: it cannot be negative.")})
    leading = forms.DecimalField(label=_("Leading value (引领值, 100 points)"), max_digits=18, decimal_places=6,
                                 min_value=0, error_messages={"required": _("Leading value: enter a number."),
                                                              "invalid": _("Leading value: enter a number."),
                                                              "min_value": _("Leading value: it cannot be negative.")})

    def clean(self):
        data = super().clean()
        code, base, lead = data.get("code"), data.get("baseline"), data.get("leading")
        if code and base is not None and lead is not None:
            from .services.benchmarks import benchmark_problems

            for field, message in benchmark_problems(code, base, lead):
                self.add_error(field, message)
        return data


class ReinstateForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reinstating"), max_length=500,
                             error_messages={"required": _("Reason for reinstating: it cannot be empty."),
                                             "max_length": _("Reason for reinstating: at most 500 characters.")})


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Code number"), max_length=30,
                             error_messages={"required": _("Code number: enter the number printed on the code."),
                                             "max_length": _("Code number: at most 30 characters.")})


class MethodForm(forms.Form):
    body = forms.CharField(label=_("Text of the method page"), widget=forms.Textarea(attrs={"rows": 16}),
                           max_length=50000,
                           error_messages={"required": _("Text of the method page: it cannot be empty.")})


class InstitutionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200,
                           error_messages={"required": _("Name: enter the institution's name.")})
    kind = forms.ChoiceField(label=_("Kind"), choices=InstitutionKind.choices,
                             error_messages={"required": _("Kind: choose a kind."),
                                             "invalid_choice": _("Kind: choose a kind from the list.")})
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=18, required=False)
    contact = forms.CharField(label=_("Contact person and telephone"), max_length=200, required=False)


class ApiKeyForm(forms.Form):
    label = forms.CharField(label=_("Label (which system uses the key)"), max_length=100, required=False)


class ConsentForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.all(), required=False,
                                         empty_label=_("Nobody named: make a one-time link"),
                                         error_messages={"invalid_choice": _("Institution: choose one from the list.")})
    days = forms.IntegerField(label=_("Days of access"), min_value=1, max_value=365, initial=30,
                              error_messages={"required": _("Days of access: enter a number from 1 to 365."),
                                              "invalid": _("Days of access: enter a number from 1 to 365."),
                                              "min_value": _("Days of access: enter a number from 1 to 365."),
                                              "max_value": _("Days of access: enter a number from 1 to 365.")})

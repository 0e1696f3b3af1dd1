"""Forms of the review workflow. They validate input and name the field of every error; services decide."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import rules
from .enums import (
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    ComplianceSource,
    Disposition,
    FlagVerdict,
    IncidentKind,
    MiitOutcome,
    Outcome,
    ProposalState,
    RemoveReason,
)
from .indicators import BY_CODE
from .models import AdjustmentProposal, Campaign, IncidentReport, MiitDecision, OnSiteAssessment


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None, **kwargs):
        super().__init__(attrs=attrs, format="%Y-%m-%d", **kwargs)


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput | forms.CheckboxSelectMultiple):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class CampaignForm(forms.ModelForm):
    ORDER = (
        ("filing_opens", "filing_due", _("The filing deadline cannot come before filing opens.")),
        ("filing_due", "city_review_due", _("The city review deadline cannot come before the filing deadline.")),
        ("city_review_due", "province_report_due",
         _("The province's report deadline cannot come before the city review deadline.")),
        ("filing_due", "district_review_due", _("The district review deadline cannot come before the filing deadline.")),
        ("district_review_due", "city_review_due",
         _("The city review deadline cannot come before the district review deadline.")),
    )

    class Meta:
        model = Campaign
        fields = ["year", "title", "filing_opens", "filing_due", "district_review_due", "city_review_due",
                  "province_report_due"]
        widgets = {name: DateInput() for name in ("filing_opens", "filing_due", "district_review_due",
                                                  "city_review_due", "province_report_due")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["year"].disabled = True
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        for earlier, later, message in self.ORDER:
            if data.get(earlier) and data.get(later) and data[later] < data[earlier]:
                self.add_error(later, message)
        return data

    def _get_validation_exclusions(self):
        # The order is checked field by field in clean(); the model's constraint repeats it for the database.
        return super()._get_validation_exclusions() | {"filing_opens", "filing_due", "city_review_due",
                                                        "province_report_due", "district_review_due"}


def _note_name(indicator) -> str:
    """The accessible name of a note box in a table row, whose column head alone does not say which row it is."""
    return gettext("Note on %(indicator)s") % {"indicator": indicator}


class IndicatorChecksForm(forms.Form):
    """One verdict and note per key indicator of the filing's unit, preset to the suggested verdict.

    `rows` are the indicators in context (reviews.services.context). A note is required only for 不符合 and for
    an override of a suggestion (rules.note_given). With `partial`, an indicator left without a verdict is
    simply not recorded (the "accept the suggestions" actions); otherwise every indicator needs one.
    """

    def __init__(self, *args, filing, checks: dict, rows, partial: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.partial = partial
        self.rows = []
        for row in rows:
            indicator = row.indicator
            check = checks.get(indicator.code)
            suggested = row.suggestion.verdict if row.suggestion and row.suggestion.is_verdict else None
            verdict = forms.ChoiceField(
                label=indicator.label, choices=CheckVerdict.choices, required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial=check.verdict if check else suggested,
            )
            note = forms.CharField(label=_("Note"), required=False, max_length=2000,
                                   initial=check.note if check else "",
                                   widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                                 "aria-label": _note_name(indicator.label)}))
            self.fields[f"verdict_{indicator.code}"] = verdict
            self.fields[f"note_{indicator.code}"] = note
            self.rows.append((row, check))

    def bound_rows(self):
        for row, check in self.rows:
            code = row.indicator.code
            yield row, check, self[f"verdict_{code}"], self[f"note_{code}"]

    def clean(self):
        data = super().clean()
        for row, _check in self.rows:
            code = row.indicator.code
            verdict = data.get(f"verdict_{code}")
            if not verdict:
                if not self.partial:
                    self.add_error(f"verdict_{code}", _("Choose compliant or non-compliant."))
                continue
            suggested = row.suggestion.verdict if row.suggestion else ""
            decision = rules.note_given(verdict, suggested, data.get(f"note_{code}", ""))
            if not decision:
                self.add_error(f"note_{code}", decision.reason)
        return data

    def verdicts(self) -> dict[str, tuple[str, str]]:
        return {row.indicator.code: (self.cleaned_data[f"verdict_{row.indicator.code}"],
                                     self.cleaned_data[f"note_{row.indicator.code}"])
                for row, _c in self.rows if self.cleaned_data.get(f"verdict_{row.indicator.code}")}


class ComplianceForm(forms.Form):
    """The city's verification of each compliance item: source checked, date, result, note (all or none)."""

    def __init__(self, *args, verifications: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = []
        for item, label in ComplianceItem.choices:
            done = verifications.get(item)
            prefix = f"{item}_"
            self.fields[prefix + "source"] = forms.ChoiceField(
                label=_("Source checked"), required=False, choices=[("", "—")] + list(ComplianceSource.choices),
                initial=done.source if done else "",
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": f"{label} · {_('Source checked')}"}))
            self.fields[prefix + "checked_on"] = forms.DateField(
                label=_("Date checked"), required=False, initial=done.checked_on if done else None,
                widget=DateInput(attrs={"class": "form-control form-control-sm", "aria-label": f"{label} · {_('Date checked')}"}))
            self.fields[prefix + "result"] = forms.ChoiceField(
                label=_("Result"), required=False, choices=[("", "—")] + list(ComplianceResult.choices),
                initial=done.result if done else "",
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": f"{label} · {_('Result')}"}))
            self.fields[prefix + "note"] = forms.CharField(
                label=_("Note"), required=False, max_length=2000, initial=done.note if done else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "aria-label": f"{label} · {_('Note')}"}))
            self.items.append((item, label, done))

    def bound_rows(self):
        for item, label, done in self.items:
            p = f"{item}_"
            yield item, label, done, self[p + "source"], self[p + "checked_on"], self[p + "result"], self[p + "note"]

    def clean(self):
        data = super().clean()
        for item, _label, _done in self.items:
            p = f"{item}_"
            given = [data.get(p + n) for n in ("source", "checked_on", "result")]
            if any(given) and not all(given):
                for name, value in zip(("source", "checked_on", "result"), given, strict=True):
                    if not value:
                        self.add_error(p + name, _("Give the source checked, the date and the result together."))
            if data.get(p + "checked_on") and data[p + "checked_on"] > timezone.localdate():
                self.add_error(p + "checked_on", _("The date checked cannot be in the future."))
        return data

    def verifications(self) -> dict[str, dict]:
        found = {}
        for item, _label, _done in self.items:
            p = f"{item}_"
            if self.cleaned_data.get(p + "source"):
                found[item] = {n: self.cleaned_data.get(p + n) for n in ("source", "checked_on", "result", "note")}
        return found


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(label=_("Disposition"), choices=Disposition.choices, widget=forms.RadioSelect,
                                    error_messages={"required": _("Choose a disposition.")})
    note = forms.CharField(label=_("Reason or reference"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def clean(self):
        data = super().clean()
        if data.get("disposition") == Disposition.NO_ACTION and not (data.get("note") or "").strip():
            self.add_error("note", _("Give the reason why neither an incident report nor a proposal is needed."))
        return data


class FlagVerdictsForm(forms.Form):
    def __init__(self, *args, flags, **kwargs):
        super().__init__(*args, **kwargs)
        self.flags = list(flags)
        choices = [(FlagVerdict.CONFIRMED, FlagVerdict.CONFIRMED.label), (FlagVerdict.REJECTED, FlagVerdict.REJECTED.label)]
        for flag in self.flags:
            self.fields[f"verdict_{flag.pk}"] = forms.ChoiceField(
                label=flag.code, choices=choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                initial=flag.verdict if flag.verdict != FlagVerdict.PENDING else None,
                error_messages={"required": _("Confirm or reject this flag.")},
            )
            self.fields[f"note_{flag.pk}"] = forms.CharField(
                label=_("Note"), required=False, max_length=2000, initial=flag.verdict_note,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                              "aria-label": _note_name(BY_CODE[flag.code].label if flag.code in BY_CODE
                                                                       else flag.code)}))

    def bound_rows(self):
        for flag in self.flags:
            yield flag, self[f"verdict_{flag.pk}"], self[f"note_{flag.pk}"]

    def clean(self):
        data = super().clean()
        for flag in self.flags:
            if data.get(f"verdict_{flag.pk}") == FlagVerdict.REJECTED and not data.get(f"note_{flag.pk}", "").strip():
                self.add_error(f"note_{flag.pk}", _("Say why the explanation is not accepted."))
        return data

    def verdicts(self) -> dict[int, tuple[str, str]]:
        return {f.pk: (self.cleaned_data[f"verdict_{f.pk}"], self.cleaned_data[f"note_{f.pk}"]) for f in self.flags}


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = OnSiteAssessment
        fields = ["planned_date", "team", "findings", "conclusion", "completed_on"]
        widgets = {"planned_date": DateInput(), "completed_on": DateInput(),
                   "findings": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"team": _("Names and organisations of the assessors."),
                      "completed_on": _("Fill in with the conclusion once the assessment is done.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conclusion"].required = False
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        conclusion, completed = data.get("conclusion"), data.get("completed_on")
        if completed and not conclusion:
            self.add_error("conclusion", _("Give the conclusion of the completed assessment."))
        if conclusion and not completed:
            self.add_error("completed_on", _("Give the date the assessment was completed."))
        if completed and completed > timezone.localdate():
            self.add_error("completed_on", _("The completion date cannot be in the future."))
        planned = data.get("planned_date")
        if completed and planned and completed < planned:
            self.add_error("completed_on", _("The completion date cannot come before the planned date."))
        if conclusion and not (data.get("findings") or "").strip():
            self.add_error("findings", _("Write down the findings of the completed assessment."))
        return data


class ReturnFilingForm(forms.Form):
    reason = forms.CharField(label=_("Reason for returning"), widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                             max_length=4000, error_messages={"required": _("Give the reason for returning the filing.")})


class AcceptFilingForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.TextInput(attrs={"class": "form-control"}))


class ProposalForm(forms.ModelForm):
    class Meta:
        model = AdjustmentProposal
        fields = ["outcome", "remove_reason", "rectify_due", "new_name", "reason"]
        widgets = {"rectify_due": DateInput(), "outcome": forms.RadioSelect, "reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, unit, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["remove_reason"].choices = [("", "—")] + list(RemoveReason.choices)
        self.fields["outcome"].choices = Outcome.choices
        _bootstrap(self)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == Outcome.REMOVE and not data.get("remove_reason"):
            self.add_error("remove_reason", _("A removal needs a reason."))
        if outcome == Outcome.RECTIFY:
            due = data.get("rectify_due")
            if not due:
                self.add_error("rectify_due", _("Rectification needs a due date."))
            elif due <= timezone.localdate():
                self.add_error("rectify_due", _("The rectification due date must be in the future."))
        if outcome == Outcome.RENAME:
            name = (data.get("new_name") or "").strip()
            if not name:
                self.add_error("new_name", _("A rename needs the new name."))
            elif name == self.unit.name:
                self.add_error("new_name", _("The new name is the same as the current name."))
        if outcome in (Outcome.REMOVE, Outcome.RECTIFY) and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Explain the proposal."))
        return data

    def _post_clean(self):
        # Do not write onto the instance: the service saves (it owns the state change).
        pass


class PackageForm(forms.Form):
    note = forms.CharField(label=_("Note to the province"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
    reason = forms.CharField(label=_("Reason to submit anyway"), required=False, max_length=4000,
                             help_text=_("Needed only when the package check above lists open items; the province sees it."),
                             widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
    confirm = forms.BooleanField(label=_("I have checked the proposals and submit them to the province."),
                                 error_messages={"required": _("Tick the box to confirm the submission.")})


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("return", _("Return to the city"))],
                               error_messages={"required": _("Choose approve or return.")})
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))
    proposals = forms.TypedMultipleChoiceField(label=_("Proposals"), coerce=int, choices=[],
                                              error_messages={"required": _("Select at least one proposal.")})

    def __init__(self, *args, proposal_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposals"].choices = [(pk, pk) for pk in proposal_ids]
        self.fields["action"].widget.attrs["class"] = "form-select"

    def clean(self):
        data = super().clean()
        if data.get("action") == "return" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Give the reason for returning the proposal to the city."))
        return data


class MiitDecisionForm(forms.ModelForm):
    class Meta:
        model = MiitDecision
        fields = ["outcome", "decided_on", "document", "note"]
        widgets = {"decided_on": DateInput(), "outcome": forms.RadioSelect, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = MiitOutcome.choices
        _bootstrap(self)

    def clean_decided_on(self):
        date = self.cleaned_data["decided_on"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date of MIIT's decision cannot be in the future."))
        return date

    def _post_clean(self):
        pass


class IncidentForm(forms.ModelForm):
    class Meta:
        model = IncidentReport
        fields = ["unit", "kind", "occurred_on", "description"]
        labels = {"unit": _("Listed unit")}
        widgets = {"occurred_on": DateInput(), "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].error_messages["invalid_choice"] = _("Choose a listed unit of your own city.")
        self.fields["kind"].choices = IncidentKind.choices
        _bootstrap(self)

    def clean_occurred_on(self):
        date = self.cleaned_data["occurred_on"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date of the accident cannot be in the future."))
        return date

    def _post_clean(self):
        pass


PROPOSAL_STATE_CHOICES = [("", _("All states"))] + list(ProposalState.choices)


class BulkProposalForm(forms.Form):
    """One step for many proposals: the province's decision, or MIIT's decision document. The selection is the
    ticked proposals, or every proposal matching the list's filter (`all_matching` with the list's `filter`)."""

    APPROVE, RETURN = "approve", "return"
    MIIT_CONFIRMED, MIIT_NOT_CONFIRMED = "miit_confirmed", "miit_not_confirmed"
    MIIT_ACTIONS = {MIIT_CONFIRMED: MiitOutcome.CONFIRMED, MIIT_NOT_CONFIRMED: MiitOutcome.NOT_CONFIRMED}

    action = forms.ChoiceField(label=_("What to do"), choices=[
        (APPROVE, _("Approve")), (RETURN, _("Return to the city")),
        (MIIT_CONFIRMED, _("Record MIIT's document: confirmed")),
        (MIIT_NOT_CONFIRMED, _("Record MIIT's document: not confirmed")),
    ], error_messages={"required": _("Choose what to do with the selected proposals.")})
    comment = forms.CharField(label=_("Comment"), required=False, max_length=4000,
                              help_text=_("Required when returning proposals to the city."))
    number = forms.CharField(label=_("MIIT document number"), required=False, max_length=100,
                             help_text=_("e.g. 工信厅节函〔2024〕xxx号"))
    decided_on = forms.DateField(label=_("Date of MIIT's decision"), required=False, widget=DateInput())
    title = forms.CharField(label=_("MIIT document title"), required=False, max_length=300)
    all_matching = forms.BooleanField(label=_("Every proposal matching the filter"), required=False)
    filter = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)

    @property
    def is_miit(self) -> bool:
        return self.cleaned_data.get("action") in self.MIIT_ACTIONS

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Give the reason for returning the proposal to the city."))
        if action in self.MIIT_ACTIONS:
            for name in ("number", "decided_on", "title"):
                if not data.get(name) or (isinstance(data[name], str) and not data[name].strip()):
                    self.add_error(name, _("Required for MIIT's decision document."))
            if data.get("decided_on") and data["decided_on"] > timezone.localdate():
                self.add_error("decided_on", _("The date of MIIT's decision cannot be in the future."))
        return data


class DistrictReviewForm(forms.Form):
    reviews_through_districts = forms.BooleanField(
        label=_("This city reviews through districts in this campaign"), required=False)

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Unit


class UnitEditForm(forms.ModelForm):
    """What a city or the province may edit directly. Name and status change only through the review
    workflow (a MIIT decision) or the province's import, so they are not here."""

    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500,
        help_text=_("Written to the unit's history with your name and the time."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Unit
        fields = ["industry", "level", "batch", "year_listed", "contact_name", "contact_phone"]

    def __init__(self, *args, province: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not province:
            for name in ("level", "batch", "year_listed"):
                self.fields.pop(name)
        self.fields["industry"].queryset = self.fields["industry"].queryset.order_by("code")


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Use the template. The whole file is checked first; if any row is wrong, nothing is saved."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False)

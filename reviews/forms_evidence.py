"""The evidence upload form: what the files stand behind (one of the items the person may attach to) and the files."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more files (Django's documented pattern); size and type are checked by reviews.evidence."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.ofd,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class EvidenceForm(forms.Form):
    item = forms.ChoiceField(label=_("Attach to"))
    # Empty files pass the form: reviews.evidence refuses them with the file's name.
    files = MultipleFileField(label=_("Files (PDF, OFD, JPG or PNG)"), allow_empty_file=True)

    def __init__(self, *args, items: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items
        self.fields["item"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["files"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["files"].error_messages["required"] = _("Choose at least one file.")

    def kind_and_target(self) -> tuple[str, str]:
        kind, _sep, target = self.cleaned_data["item"].partition(":")
        return kind, target

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .enums import ListPurpose, UnitKind
from .models import District, PublishedList, Unit


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
        fields = ["industry", "district", "level", "listed_in", "batch", "year_listed", "evaluator", "contact_name",
                  "contact_phone"]

    def __init__(self, *args, province: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not province:
            for name in ("level", "listed_in", "batch", "year_listed", "evaluator"):
                self.fields.pop(name)
        else:
            self.fields["listed_in"].queryset = PublishedList.objects.filter(purpose=ListPurpose.LISTING)
            self.fields["listed_in"].help_text = _("The batch and the year listed follow the list.")
        self.fields["industry"].queryset = self.fields["industry"].queryset.order_by("code")
        self.fields["district"].queryset = District.objects.filter(city_id=self.instance.city_id)

    def clean(self):
        data = super().clean()
        published = data.get("listed_in")
        if published is not None:  # the list decides the batch and the year (registry.services.edit_unit)
            data["batch"], data["year_listed"] = published.batch, published.year
        return data


class UnitImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Use the template. The whole file is checked first; if any row is wrong, nothing is saved."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False)


class ListImportForm(forms.Form):
    file = forms.FileField(
        label=_("MIIT's list (.xlsx)"),
        help_text=_("As MIIT publishes it: 序号, 地区, 工厂名称 (企业名称, 园区名称), 行业, 第三方评价机构; a 城市, 区县 and "
                    "统一社会信用代码 column may be added."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    list_name = forms.CharField(label=_("List"), max_length=20, help_text=_("As MIIT names it: 第八批, 2024年度."))
    purpose = forms.ChoiceField(label=_("The file lists"), choices=ListPurpose.choices, initial=ListPurpose.LISTING)
    notice = forms.CharField(label=_("Notice number"), max_length=100, required=False)
    published_on = forms.DateField(label=_("Publication date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))

    def clean_list_name(self):
        from .published_lists import ListNameError, parse_list_name

        try:
            return parse_list_name(self.cleaned_data["list_name"]).name
        except ListNameError as exc:
            raise ValidationError(str(exc)) from None


class CreditCodeForm(forms.Form):
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=40, required=False,
                                  help_text=_("18 characters; spaces and lower case are forgiven."))
    reason = forms.CharField(label=_("Reason for the change"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 2}))
    accept_failed_check = forms.BooleanField(
        label=_("Keep this code although its check character fails"), required=False,
        help_text=_("Only for a legal code issued before 2016 that fails the GB 32100 check; give the evidence in "
                    "the reason. The province only."),
    )

    def __init__(self, *args, province: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not province:
            self.fields.pop("accept_failed_check")


class ReviewAreaForm(forms.Form):
    city = forms.ModelChoiceField(label=_("City"), queryset=None)
    name = forms.CharField(label=_("Name of the area"), max_length=60,
                           help_text=_("A development zone or a town the city reviews through, e.g. 火炬开发区."))

    def __init__(self, *args, cities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["city"].queryset = cities

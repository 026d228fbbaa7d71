from django import forms
from django.utils import timezone

from core.forms import ModelChoiceField, ModelMultipleChoiceField

from .models import ConsultationSession
from .services import category_problem, identifying_details


def _offer_categories(field: forms.ChoiceField, requirements) -> None:
    """Offer the experience outcomes of the framework version(s) as the categories, and
    refuse anything else with the same message the service gives."""
    field.choices = [(r.code, r.label) for r in requirements]
    field.error_messages["invalid_choice"] = category_problem("", requirements)


class SessionForm(forms.Form):
    trainer = ModelChoiceField(queryset=None, empty_label=None)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                                 help_text="Optional.")
    minutes = forms.IntegerField(min_value=1, max_value=1440)
    category = forms.ChoiceField(choices=(), widget=forms.RadioSelect)
    format = forms.ChoiceField(choices=ConsultationSession.Format.choices, initial="individual")
    modality = forms.ChoiceField(choices=ConsultationSession.Modality.choices, initial="video")
    case_reference = forms.CharField(max_length=120, required=False,
                                     help_text="Non-identifying, e.g. “Client B, session 3”.")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False, max_length=10_000,
                            help_text="Private. Encrypted. Your trainer reads notes on consultation about "
                                      "cases you conducted; notes on your own experience only if you "
                                      "share them.")
    share_notes_with_trainer = forms.BooleanField(
        required=False, label="Share my notes on my own experience with this trainer")
    confirm_no_identifiers = forms.BooleanField(
        required=False, widget=forms.HiddenInput,
        label="I have checked: nothing here identifies a patient",
    )

    def __init__(self, *args, trainers, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers
        _offer_categories(self.fields["category"], requirements)
        self.warnings: list[str] = []

    def clean(self):
        data = super().clean()
        self.warnings = identifying_details(data.get("case_reference", ""), data.get("notes", ""))
        if self.warnings and not data.get("confirm_no_identifiers"):
            # Shown once; saving again with the box ticked means the trainee has checked.
            self.fields["confirm_no_identifiers"].widget = forms.CheckboxInput()
            raise forms.ValidationError(
                "This looks like it may identify a patient (" + ", ".join(self.warnings)
                + "). Remove it, or tick the box to confirm it does not identify anyone, then save again."
            )
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("confirm_no_identifiers", None)
        return data


class DisputeForm(forms.Form):
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    revision = forms.IntegerField(widget=forms.HiddenInput)


class GroupSessionForm(forms.Form):
    trainees = ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate)
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(min_value=1, max_value=1440)
    category = forms.ChoiceField(choices=(), widget=forms.RadioSelect)
    modality = forms.ChoiceField(choices=ConsultationSession.Modality.choices, initial="video")
    case_reference = forms.CharField(max_length=120, required=False, label="Topic (non-identifying)")

    def __init__(self, *args, enrolments, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainees"].queryset = enrolments
        # Trainees may be on different framework versions: every category any of them has,
        # and the service checks each trainee's own.
        _offer_categories(self.fields["category"], requirements)
        self.fields["trainees"].label_from_instance = lambda e: f"{e.trainee} ({e.cohort.name})"

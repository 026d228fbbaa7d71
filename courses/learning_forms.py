"""Forms trainees and admins fill in around the curriculum (admission and decisions)."""

import datetime

from django import forms
from django.utils import timezone

from core.forms import IdField, ModelChoiceField

from .models import Cohort, Enrolment


class ApplicationForm(forms.Form):
    cohort = ModelChoiceField(queryset=Cohort.objects.none(), empty_label=None)
    profession = forms.ChoiceField(choices=Enrolment.Profession.choices, widget=forms.RadioSelect)
    license_type = forms.CharField(max_length=80, help_text="e.g. LMFT, LCSW, PsyD, MD, NP.")
    license_number = forms.CharField(max_length=64)
    license_jurisdiction = forms.CharField(
        max_length=80, label="Issuing state or country"
    )
    license_expires_on = forms.DateField(
        label="License expiry date", widget=forms.DateInput(attrs={"type": "date"})
    )
    attest_scope = forms.BooleanField(
        label="I will practise ketamine-assisted psychotherapy only within the scope of my license.",
        error_messages={"required": "You must attest that you will practise within your license's scope."},
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].queryset = program.cohorts.filter(open_for_applications=True)

    def clean_license_expires_on(self):
        expires = self.cleaned_data["license_expires_on"]
        if expires <= timezone.localdate():
            raise forms.ValidationError("Your license must be current to apply.")
        if expires > timezone.localdate() + datetime.timedelta(days=365 * 10):
            raise forms.ValidationError("Check the expiry date: licenses are renewed within ten years.")
        return expires


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve and enrol (license verified)"), ("decline", "Decline")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when declining; sent to the applicant.",
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the applicant a reason for declining.")
        return data


class ReflectionForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000, strip=True)




class GrantAttemptForm(forms.Form):
    lesson = IdField()
    check = forms.CharField(max_length=64)

import json

from django import forms

from core.forms import IdField, IdListField
from courses.models import Enrolment

# A credential is a few kilobytes; anything much larger is not one.
MAX_CREDENTIAL_BYTES = 256 * 1024


class RevokeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="Shown to the trainee and kept in the audit trail; the public page shows only that it was revoked and when.",
    )
    confirm = forms.BooleanField(
        label="I understand that the certificate stops verifying at once and that a revocation "
              "cannot be undone.",
        error_messages={"required": "Tick this to confirm the revocation."},
    )


class MatrixFilterForm(forms.Form):
    """The cohort matrix's query string. A value that is not one of the choices is
    ignored (the filter is off), never an error page."""

    status = forms.ChoiceField(required=False)
    trainer = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    cohort = IdField(required=False, min_value=1)

    def __init__(self, *args, statuses, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = list(statuses)
        self.fields["trainer"].choices = [
            ("", "Any trainer"), *((str(pk), name) for pk, name in trainers)
        ]

    def value(self, name: str):
        """The field's cleaned value, or None when it was missing or not acceptable."""
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None


class IssueSelectionForm(forms.Form):
    """The trainees ticked in the matrix (or carried by the confirmation page)."""

    enrolment = IdListField(required=False)


class IssueForm(forms.Form):
    """The confirmation step of bulk issue: the admin ticks that they read the reports."""

    confirm = forms.BooleanField(
        required=True, label="I have read each trainee's eligibility report above.",
        error_messages={"required": "Tick the box to confirm you have read the reports."},
    )

    def __init__(self, *args, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.cohort = cohort

    def enrolments(self, ids) -> list[Enrolment]:
        """The selected enrolments, only from this cohort (others are ignored)."""
        return list(
            Enrolment.objects.filter(cohort=self.cohort, pk__in=ids[:1000])
            .select_related("trainee").order_by("trainee__full_name", "trainee__email")
        )


class VerifyForm(forms.Form):
    credential_text = forms.CharField(
        label="Paste the credential (JSON)", required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        max_length=MAX_CREDENTIAL_BYTES,
    )
    credential_file = forms.FileField(label="…or upload the credential file", required=False)

    def clean(self):
        cleaned = super().clean()
        text = (cleaned.get("credential_text") or "").strip()
        upload = cleaned.get("credential_file")
        if upload is not None:
            if upload.size > MAX_CREDENTIAL_BYTES:
                raise forms.ValidationError("That file is too large to be a credential (limit 256 KB).")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("That file is not text; a credential is a JSON file.") from None
        if not text:
            raise forms.ValidationError("Paste a credential or choose a credential file.")
        try:
            cleaned["credential"] = json.loads(text)
        except (ValueError, RecursionError):
            raise forms.ValidationError("That is not valid JSON; a credential is a JSON document.") from None
        if not isinstance(cleaned["credential"], dict):
            raise forms.ValidationError("A credential is a JSON object ({…}), not a list or a value.")
        return cleaned

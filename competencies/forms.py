from pathlib import PurePath

from django import forms

from .interchange import IMPORTERS, MAX_BYTES
from .models import EvidenceItem, SignOff


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(choices=EvidenceItem.Kind.choices, widget=forms.RadioSelect,
                             initial=EvidenceItem.Kind.WRITTEN, label="Kind of evidence")
    title = forms.CharField(max_length=200, required=False, help_text="A short label (optional).")
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False,
                           max_length=20_000, label="Written reflection")
    file = forms.FileField(required=False, help_text="PDF, Word/ODT, text or image, up to 10 MB.")
    lesson = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                    label="A lesson you completed")
    reflection = forms.TypedChoiceField(coerce=int, required=False, empty_value=None,
                                        label="One of your lesson reflections")

    def __init__(self, *args, lessons=(), reflections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lesson"].choices = [("", "—")] + list(lessons)
        self.fields["reflection"].choices = [("", "—")] + list(reflections)


class EvidenceEditForm(forms.Form):
    title = forms.CharField(max_length=200)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False,
                           max_length=20_000, label="Written reflection")

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, initial={"title": item.title, "text": item.text}, **kwargs)
        if item.kind != EvidenceItem.Kind.WRITTEN:
            del self.fields["text"]


class ReviewRequestForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=5000, label="Note for your trainer (optional)")
    evidence = forms.TypedMultipleChoiceField(
        coerce=int, widget=forms.CheckboxSelectMultiple, label="Evidence to review",
        error_messages={"required": "Choose at least one piece of evidence for your trainer to review."},
    )

    def __init__(self, *args, evidence=(), **kwargs):
        evidence = list(evidence)
        # The outcome's evidence starts ticked: what a trainee usually means to send.
        kwargs.setdefault("initial", {"evidence": [item.pk for item in evidence]})
        super().__init__(*args, **kwargs)
        self.fields["evidence"].choices = [(item.pk, item.title) for item in evidence]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=SignOff.Decision.choices, widget=forms.RadioSelect,
                                 error_messages={"required": "Choose met or not yet."})
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=5000, help_text="Required for not yet.")
    request_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class FrameworkImportForm(forms.Form):
    file = forms.FileField(
        label="Framework file",
        help_text="A CASE 1.0 package (.json) or a Moodle competency framework export (.csv), "
        "up to 5 MB. It becomes a new draft version; nothing is published.",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv,application/json,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if PurePath(upload.name or "").suffix.lower() not in IMPORTERS:
            raise forms.ValidationError(
                "Upload a CASE package (.json) or a Moodle competency CSV (.csv)."
            )
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / (1024 * 1024):.1f} MB; the limit is "
                f"{MAX_BYTES // (1024 * 1024)} MB."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload

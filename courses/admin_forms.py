"""Forms for the admin screens; the writes themselves go through courses.services."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.models import User
from core.roles import Role

from .models import Enrolment, TrainerAssignment

_DATE = forms.DateInput(attrs={"type": "date"})


class EnrolmentCreateForm(WagtailAdminModelForm):
    license_verified = forms.BooleanField(
        required=False, label="License verified with the issuing board",
        help_text="Tick only after checking the license; it is recorded as verified by you.",
    )

    class Meta:
        model = Enrolment
        fields = ["trainee", "cohort", "profession", "license_type", "license_number",
                  "license_jurisdiction", "license_expires_on"]
        widgets = {"license_expires_on": _DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["trainee"].queryset = User.objects.filter(is_active=True).order_by("email")


class EnrolmentEditForm(WagtailAdminModelForm):
    verify_license = forms.BooleanField(
        required=False, label="Mark the license as verified now",
        help_text="Changing the license number, jurisdiction, type or expiry clears an earlier verification.",
    )

    class Meta:
        model = Enrolment
        fields = ["status", "profession", "license_type", "license_number",
                  "license_jurisdiction", "license_expires_on"]
        widgets = {"license_expires_on": _DATE}


class AssignmentCreateForm(WagtailAdminModelForm):
    class Meta:
        model = TrainerAssignment
        fields = ["trainer", "trainee", "cohort", "role", "starts_on"]
        widgets = {"starts_on": _DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(is_active=True).order_by("email")
        self.fields["trainee"].queryset = people
        # Four eyes: an assignment grants no role, so only people who already hold the
        # Trainer role are offered, and never the admin making the assignment.
        trainers = people.filter(groups__name=Role.TRAINER.value)
        if self.for_user is not None:
            trainers = trainers.exclude(pk=self.for_user.pk)
        self.fields["trainer"].queryset = trainers
        if trainers.exists():
            self.fields["trainer"].help_text = (
                "Only people who hold the Trainer role are offered (never yourself): "
                "an assignment does not give the role."
            )
        else:
            self.fields["trainer"].help_text = (
                "Nobody holds the Trainer role yet (or only you do). Roles are given on "
                "their own, not by an assignment: have the role given to the trainer first."
            )


class AssignmentEndForm(WagtailAdminModelForm):
    class Meta:
        model = TrainerAssignment
        fields = ["ends_on"]
        widgets = {"ends_on": _DATE}
        labels = {"ends_on": "End the assignment on"}

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on is None:
            raise forms.ValidationError("Choose the first day the trainer is no longer assigned.")
        if ends_on < self.instance.starts_on:
            raise forms.ValidationError("An assignment cannot end before it starts.")
        return ends_on

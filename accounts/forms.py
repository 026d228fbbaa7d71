import zoneinfo

from django import forms
from django.conf import settings

from core.roles import Role
from notifications.kinds import Delivery, Kind

from . import services


class PersonForm(forms.Form):
    """What a program admin may change about a person. There is deliberately no
    superuser or staff flag: those accounts are made on the command line."""

    full_name = forms.CharField(
        label="Legal name", max_length=200,
        help_text="The name certificates print, as on the person's license.",
    )
    preferred_name = forms.CharField(
        label="Preferred name", max_length=200, required=False,
        help_text="What they like to be called on screens and in e-mails.",
    )
    email = forms.EmailField(
        label="E-mail", max_length=254,
        help_text="A new address takes effect only once its owner follows the verification "
                  "link sent to it; the current address is told.",
    )
    is_active = forms.BooleanField(
        label="Active (may sign in)", required=False,
    )
    roles = forms.MultipleChoiceField(
        choices=[(role.value, role.value) for role in Role], required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reset_mfa = forms.BooleanField(
        label="Reset second factor", required=False,
        help_text="Removes their authenticator app, security keys and recovery codes; "
                  "they set up a new one at their next sign-in.",
    )


class NameChangeRequestForm(forms.Form):
    requested_name = forms.CharField(
        label="Legal name as on your license", max_length=200,
    )
    reason = forms.CharField(
        label="Why it changed", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
    )


class NameDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve: I checked the new name"), ("reject", "Reject")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Note (shown to the person)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone Python knows, sorted, after a blank choice for the program's."""
    zones = sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone or zone == "UTC")
    return [("", f"The program's time zone ({settings.TIME_ZONE})")] + [(z, z.replace("_", " ")) for z in zones]


class LegalNameField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Legal name as on your license")
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault(
            "help_text",
            "The name your certificate will print. A program admin checks it against your "
            "license before a certificate is issued.",
        )
        super().__init__(**kwargs)


class ProfileForm(forms.Form):
    """What a person sets about themselves. Their legal name is asked here only while
    they have none; after that it changes through a verified name-change request."""

    preferred_name = forms.CharField(
        label="Preferred name", max_length=200, required=False,
        help_text="What you like to be called on screens and in e-mails, e.g. “Jo”.",
    )
    time_zone = forms.ChoiceField(
        label="Time zone", required=False, choices=time_zone_choices,
        help_text="Every date and time on Kapstone is shown in this zone.",
    )

    def __init__(self, *args, ask_legal_name: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if ask_legal_name:
            self.fields = {"full_name": LegalNameField(), **self.fields}
        for kind in Kind:
            self.fields[f"delivery_{kind.value}"] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, widget=forms.Select,
            )

        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def deliveries(self) -> dict[str, str]:
        return {kind.value: self.cleaned_data[f"delivery_{kind.value}"] for kind in Kind}


class SignupForm(forms.Form):
    """The extra fields of allauth's sign-up (ACCOUNT_SIGNUP_FORM_CLASS): a new account
    has a name from the start, so no certificate or greeting ever falls back to the
    e-mail address."""

    full_name = LegalNameField()
    preferred_name = forms.CharField(
        label="Preferred name (optional)", max_length=200, required=False,
        help_text="What you like to be called on screens and in e-mails.",
    )

    def clean_full_name(self) -> str:
        name = " ".join(self.cleaned_data["full_name"].split())
        if not name:
            raise forms.ValidationError("Enter your name as it appears on your license.")
        return name

    def signup(self, request, user) -> None:
        # allauth calls this once the account is saved, inside its sign-up transaction.
        services.legal_name_propose(
            user=user, name=self.cleaned_data["full_name"],
            preferred_name=self.cleaned_data["preferred_name"], request=request,
        )

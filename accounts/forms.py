from django import forms

from core.roles import Role


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

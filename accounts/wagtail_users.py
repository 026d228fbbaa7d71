"""Wagtail's user forms, fitted to Kapstone's User.

Wagtail's own forms ask for first and last names, which this User does not have, and
would drop them after saying "User updated". These forms show the fields it does have:
the preferred name is edited; the legal name is shown **read-only** with the way to
change it, because a legal name (the one certificates print) changes only through a
name-change request that a second program admin verifies and the audit trail records
(accounts.services.name_change_decide) — a field here would be a side door around that.

The screens themselves stay closed (accounts.wagtail_hooks send everyone to the people
pages); these forms make sure that whatever Wagtail renders is right if they open.
"""

from django import forms
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .models import User

_FIELDS = {"email", "preferred_name", "is_superuser", "groups"}
_LEGAL_NAME_HELP = format_lazy(
    "Changes only through a verified name-change request: {}", reverse_lazy("accounts:name_requests")
)


class _KapstoneUserFields:
    first_name = None
    last_name = None

    def _legal_name_read_only(self) -> None:
        self.fields["full_name"] = forms.CharField(
            label="Legal name", required=False, disabled=True, help_text=_LEGAL_NAME_HELP,
            initial=getattr(self.instance, "full_name", ""),
        )


class KapstoneUserEditForm(_KapstoneUserFields, UserEditForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._legal_name_read_only()

    class Meta(UserEditForm.Meta):
        model = User
        fields = _FIELDS | {"is_active"}


class KapstoneUserCreationForm(_KapstoneUserFields, UserCreationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._legal_name_read_only()

    class Meta(UserCreationForm.Meta):
        model = User
        fields = _FIELDS


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return KapstoneUserEditForm if for_update else KapstoneUserCreationForm

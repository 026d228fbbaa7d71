import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

# A database id or other whole number as a client must send it: ASCII digits, no more
# than fit a bigint. Not ``str.isdigit()``, which is true for "²" (that ``int()``
# refuses: a 500) and for "١" or "５" (that ``int()`` reads as 1 and 5).
_PLAIN_NUMBER = re.compile(r"[0-9]{1,18}")


def plain_number(value) -> int | None:
    """``value`` as an int if it is a plain ASCII whole number (surrounding spaces
    allowed), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return int(value) if _PLAIN_NUMBER.fullmatch(value) else None


class IdField(forms.IntegerField):
    """An id from a query string or a form: ASCII digits only."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        number = plain_number(str(value))
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class IdListField(forms.Field):
    """Several ids under one name (checkboxes, hidden inputs): ASCII digits only, at
    most ``max_ids`` of them."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": "This is not a list of ids.",
        "too_many": "Choose at most %(max)s at a time.",
    }

    def __init__(self, *, max_ids: int = 1000, **kwargs):
        self.max_ids = max_ids
        super().__init__(**kwargs)

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        if not isinstance(value, (list, tuple)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if len(value) > self.max_ids:
            raise ValidationError(self.error_messages["too_many"], code="too_many",
                                  params={"max": self.max_ids})
        numbers = [plain_number(v) for v in value]
        if any(n is None for n in numbers):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return list(dict.fromkeys(numbers))


class ChoicesReadOnce(ModelChoiceIterator):
    """A model choice field's choices, read from the database once per form.

    Django's own iterator queries afresh each time the choices are read, and rendering
    a select reads them twice (its options, then whether it may be ``required``). This
    one reads the field's queryset, which keeps its rows after the first reading.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = ChoicesReadOnce


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = ChoicesReadOnce


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors beside their fields,
    anything else at the top."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def posted_int(data, name: str, default: int | None = None) -> int | None:
    """A whole number read straight from submitted data (``request.POST`` or ``GET``).

    Hidden fields such as a revision or a version id come back as the browser sent them,
    or as anything else a client sends: text that is not a plain non-negative integer
    small enough for the database gives ``default`` instead of an exception.
    """
    number = plain_number(data.get(name))
    return default if number is None else number


def safe_next(request, default: str) -> str:
    """The page to go back to after a POST: the posted ``next`` when it is a path on this
    site, otherwise ``default`` (a URL name). ``/\\evil.example`` and ``//evil.example``
    are other sites to a browser, so they are refused like full URLs."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure(),
    ):
        return target
    return default

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator


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
    value = data.get(name)
    if not isinstance(value, str):
        return default
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return default


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

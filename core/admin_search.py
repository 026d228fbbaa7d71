"""Wagtail admin listings: a search box that cannot be used to overload the database."""

from django.core.validators import MaxLengthValidator
from wagtail.admin.views.generic.models import IndexView

# Far longer than any name, e-mail or verb searched for. SQLite refuses LIKE patterns
# over 50 000 bytes, and no database should be asked to match a megabyte of text.
MAX_SEARCH_CHARS = 200


class BoundedSearchIndexView(IndexView):
    """A search longer than ``MAX_SEARCH_CHARS`` is invalid, so the listing is shown
    unfiltered instead of failing."""

    def get_search_form(self):
        form = super().get_search_form()
        if form is not None:
            form.fields["q"].validators.append(MaxLengthValidator(MAX_SEARCH_CHARS))
        return form

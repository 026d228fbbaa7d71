"""How every Django form in the project renders (``FORM_RENDERER``).

Controls carry Bootstrap's classes (``form-control``, ``form-select``,
``form-check-input``, ``is-invalid``) wherever a template writes ``{{ field }}``, and
``{{ field.as_field_group }}`` renders ``templates/forms/field.html``: label, help and
errors beside the control, under exactly the ids Django's ``aria-describedby`` names
(``<id>_helptext``, ``<id>_error``), so that attribute never points at nothing.
"""

from django.forms import widgets
from django.forms.boundfield import BoundField as DjangoBoundField
from django.forms.renderers import TemplatesSetting

# Widgets that render several inputs (radios, checkbox lists) are styled in site.css:
# a class given here would land on each of their inputs.
_SKIP = (widgets.HiddenInput, widgets.RadioSelect, widgets.CheckboxSelectMultiple, widgets.MultiWidget)


def control_class(widget) -> str:
    """Bootstrap's class for this widget's control, or "" when it has none."""
    if isinstance(widget, _SKIP):
        return ""
    if isinstance(widget, widgets.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, widgets.Select):
        return "form-select"
    return "form-control"


class BoundField(DjangoBoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = [attrs.get("class") or widget.attrs.get("class", ""), control_class(widget)]
        if self.errors and classes[1]:
            classes.append("is-invalid")
        joined = " ".join(c for c in classes if c)
        if joined:
            attrs["class"] = joined
        return attrs


class FormRenderer(TemplatesSetting):
    field_template_name = "forms/field.html"
    bound_field_class = BoundField

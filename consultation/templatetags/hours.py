"""``{{ minutes|hm }}``: consultation time in templates, written by ``core.hours``."""

from django import template

from core.hours import hours_minutes

register = template.Library()


@register.filter
def hm(minutes) -> str:
    """Minutes as hours and minutes, ``90|hm`` → ``1:30`` (the one rule, core.hours)."""
    return hours_minutes(minutes)

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping|get_item:key`` — dictionary lookup with a variable key."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def correct_count(choices) -> int:
    return sum(1 for choice in choices if choice["correct"])

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


_VERDICTS = {"correct", "incorrect", "not correct", "wrong", "right", "yes", "no", "true", "false"}


@register.filter
def feedback_beyond_verdict(explanation) -> str:
    """A choice's explanation, or "" when it only says what the page says already
    ("Correct.", "Incorrect!"): one wording per piece of feedback."""
    text = (explanation or "").strip()
    return "" if text.strip(" .!").lower() in _VERDICTS else text

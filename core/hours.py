"""How every page, PDF and CSV writes an amount of consultation time: hours and minutes,
"1:30" for 90 minutes. One rule in one place, so My hours, the printable log, the
cohort matrix and the exports never round the same minutes differently (issue 19)."""

from decimal import Decimal


def hours_minutes(minutes: int | float | Decimal | None) -> str:
    """``90`` → ``"1:30"``, ``600`` → ``"10:00"``, ``0`` → ``"0:00"``; None (no such
    category) → ``""``. Whole minutes: a fraction of a minute is dropped, never rounded
    up into time nobody logged."""
    if minutes is None:
        return ""
    total = int(minutes)
    sign = "-" if total < 0 else ""
    hours, rest = divmod(abs(total), 60)
    return f"{sign}{hours}:{rest:02d}"


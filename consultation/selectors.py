"""Reads of consultation hours for other apps.

Consultation sessions are not recorded yet, so every enrolment has zero confirmed
minutes; the competency tracker's *hours* rule reads this function and will see real
totals once sessions exist, without changing.
"""


def confirmed_minutes_for(enrolment_ids) -> dict[int, dict[str, int]]:
    """Confirmed consultation minutes by enrolment and outcome category code (E1, E2)."""
    return {enrolment_id: {"E1": 0, "E2": 0} for enrolment_id in enrolment_ids}

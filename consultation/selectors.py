"""Reads of consultation hours for pages and for the competency tracker."""

from django.db.models import Sum

from .models import ConsultationSession


def minutes_for(enrolment_ids) -> dict[int, dict[str, dict[str, int]]]:
    """Minutes by enrolment, category and status (confirmed / pending), one query."""
    categories = ConsultationSession.Category.values  # a list built on each access
    totals: dict[int, dict[str, dict[str, int]]] = {
        e: {c: {"confirmed": 0, "pending": 0} for c in categories} for e in enrolment_ids
    }
    rows = (
        ConsultationSession.objects.filter(
            enrolment_id__in=list(enrolment_ids),
            status__in=[ConsultationSession.Status.CONFIRMED, ConsultationSession.Status.PENDING],
        )
        .order_by()
        .values("enrolment_id", "category", "status")
        .annotate(total=Sum("minutes"))
    )
    for row in rows:
        totals[row["enrolment_id"]][row["category"]][row["status"]] = row["total"] or 0
    return totals

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from core.access import POST, PROGRAM_ADMIN, access

from . import services
from .models import Job

_LISTED = 200


@access(PROGRAM_ADMIN)
def job_list(request):
    """What background work has failed or not finished yet, and why."""
    counts = dict(Job.objects.values_list("status").annotate(n=Count("pk")).order_by())
    jobs = list(
        Job.objects.filter(status__in=(*Job.UNFINISHED, Job.Status.FAILED))
        .order_by("status", "-created_at")[:_LISTED]
    )
    return render(request, "jobs/job_list.html", {
        "counts": [(status, label, counts.get(status, 0)) for status, label in Job.Status.choices],
        "failed": [job for job in jobs if job.status == Job.Status.FAILED],
        "unfinished": [job for job in jobs if job.status != Job.Status.FAILED],
        "listed": _LISTED,
        "truncated": len(jobs) >= _LISTED,
    })


@access(PROGRAM_ADMIN, methods=POST)
def job_retry(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id)
    try:
        services.job_retry(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{job.label} #{job.pk} will be tried again.")
    return redirect("jobs:list")

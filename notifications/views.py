from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from core.access import POST, SIGNED_IN, access
from core.paging import window

from . import selectors, services
from .models import Notification

PER_PAGE = 20


@access(SIGNED_IN)
def notification_list(request):
    """The person's notifications, newest first, a page at a time (one query)."""
    page = window(selectors.notifications_of(user=request.user), request, param="page",
                  per_page=PER_PAGE)
    return render(request, "notifications/list.html", {"window": page})


@access(SIGNED_IN)
def notification_detail(request, notification_id: int):
    """Opening a notification shows it whole and marks it read. Only the person it is
    for finds it; anyone else's is a 404."""
    try:
        notification = services.notification_open(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    return render(request, "notifications/detail.html", {"notification": notification})


@access(SIGNED_IN, methods=POST)
def mark_all_read(request):
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    else:
        messages.info(request, "Nothing was unread.")
    return redirect("notifications:list")

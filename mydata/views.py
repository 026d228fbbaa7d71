from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from core.access import GET_POST, TRAINEE, access

from . import selectors, services
from .models import RecordExport


@access(TRAINEE, methods=GET_POST)
def index(request):
    """Ask for a download of everything Kapstone holds about you; see its state."""
    if request.method == "POST":
        services.record_export_request(user=request.user)
        messages.success(request, "Your download is being prepared. We will tell you when it "
                                  "is ready; it is then offered for 24 hours.")
        return redirect("mydata:index")
    return render(request, "mydata/index.html",
                  {"exports": selectors.exports_of(user=request.user)})


@access(TRAINEE)
def download(request, record_export_id: int):
    """Only the owner downloads, and only while it is offered."""
    try:
        filename, data = services.record_export_read(user=request.user, export_id=record_export_id)
    except RecordExport.DoesNotExist:
        raise Http404("No such download.") from None
    except services.ExportNotOffered:
        messages.error(request, "That download has expired and was deleted. Prepare a new one.")
        return redirect("mydata:index")
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response

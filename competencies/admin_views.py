"""Framework import and CASE export screens in the Wagtail admin (program admins only).

They are routed by ``wagtail_hooks.py``, which puts the PROGRAM_ADMIN policy in front
of Wagtail's own admin check. Each view also checks ``competencies.add_framework``
itself: curriculum editors reach the Wagtail admin but may not import frameworks.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.defaults import permission_denied

from audit.services import audit_record
from core.forms import add_service_errors

from . import services
from .forms import FrameworkImportForm
from .interchange import ImportRejected, case_package_dumps, framework_file_import
from .models import FrameworkVersion

IMPORT_PERMISSION = "competencies.add_framework"


def can_import_frameworks(user) -> bool:
    return user.is_authenticated and user.has_perm(IMPORT_PERMISSION)


def import_permission_required(view):
    """Answer 403 (and audit the refusal) for users without ``competencies.add_framework``.

    The response is returned, not raised: Wagtail's admin wrapper turns a raised
    PermissionDenied into a redirect to the dashboard.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_import_frameworks(request.user):
            audit_record(
                verb="access.refused", request=request,
                details={"path": request.path[:200], "method": request.method,
                         "permission": IMPORT_PERMISSION},
            )
            return permission_denied(request, PermissionDenied())
        return view(request, *args, **kwargs)

    return wrapper


@import_permission_required
def frameworks_index(request):
    versions = (
        FrameworkVersion.objects.select_related("framework")
        .annotate(outcome_count=Count("outcomes"))
        .order_by("framework__title", "-number")
    )
    return TemplateResponse(request, "competencies/wagtail/frameworks.html", {"versions": versions})


@import_permission_required
def framework_import(request):
    form = FrameworkImportForm()
    if request.method == "POST":
        form = FrameworkImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = framework_file_import(
                    name=upload.name, raw=upload.read(), actor=request.user, request=request
                )
            except ImportRejected as rejected:
                # Every problem is a form error of its own, listed item by item.
                add_service_errors(form, rejected)
                form.add_error("file", "Correct the file and upload it again.")
            else:
                return TemplateResponse(
                    request, "competencies/wagtail/import_report.html", {"report": report}
                )
    return TemplateResponse(request, "competencies/wagtail/import.html", {"form": form})


@import_permission_required
def framework_version_export_case(request, version_id: int):
    version = get_object_or_404(FrameworkVersion.objects.select_related("framework"), pk=version_id)
    response = HttpResponse(
        case_package_dumps(version=version), content_type="application/json; charset=utf-8"
    )
    filename = f"{version.framework.slug}-v{version.number}.case.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@import_permission_required
def framework_version_publish(request, version_id: int):
    """Publish a reviewed draft (POST only): programs may then be pinned to it."""
    version = get_object_or_404(FrameworkVersion.objects.select_related("framework"), pk=version_id)
    try:
        version = services.framework_version_publish(actor=request.user, version=version)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, f"{version.framework.title} v{version.number} is published.")
    return redirect("competencies_frameworks")

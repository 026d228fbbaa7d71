"""Writes for "download my record": ask, build (a worker), read, and delete when the
24 hours are up.

The zip (record.json, record.pdf and the person's evidence files) is encrypted with
the notes keys (core.crypto) before it reaches the storage, which may be a bucket:
whoever can read the bucket cannot read the record. Only its owner downloads it, and
only while it is offered."""

import io
import json
import uuid
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from audit.services import audit_record
from core.crypto import cipher
from jobs.services import enqueue
from notifications.services import notify

from . import selectors
from .models import OFFERED_FOR, RecordExport


class ExportNotOffered(Exception):
    """The download has expired (or is not ready): it is no longer offered."""


@transaction.atomic
def record_export_request(*, user) -> RecordExport:
    """Ask for a download; a worker builds it once this commits. One at a time: while
    one is being prepared, asking again returns it."""
    waiting = (RecordExport.objects.select_for_update()
               .filter(user=user, status=RecordExport.Status.PREPARING).first())
    if waiting is not None:
        return waiting
    export = RecordExport.objects.create(user=user)
    audit_record(verb="record_export.requested", target=export, actor=user)
    enqueue("mydata.tasks.build_record_export", export_id=export.pk)
    return export


def _zip(record: dict, pdf: bytes) -> bytes:
    files = record.pop("_files")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("record.json", json.dumps(record, indent=2, ensure_ascii=False))
        archive.writestr("record.pdf", pdf)
        for item in files:
            with item.file.open("rb") as handle:
                archive.writestr(f"evidence/{item.pk}-{item.original_name}", handle.read())
    return buffer.getvalue()


@transaction.atomic
def record_export_build(*, export_id: int) -> RecordExport:
    """Gather the record, write the zip encrypted to the storage, offer it for 24
    hours and tell the person. Idempotent: a built export is left as it is."""
    export = RecordExport.objects.select_for_update().select_related("user").get(pk=export_id)
    if export.status == RecordExport.Status.READY:
        return export
    user = export.user
    record = selectors.record_of(user=user)
    now = timezone.now()
    pdf = HTML(string=render_to_string("mydata/record_pdf.html", {
        "record": record, "generated_at": now, "user": user,
    })).write_pdf()
    sealed = cipher().encrypt(_zip(record, pdf))
    export.stored_name = default_storage.save(
        f"record-exports/{uuid.uuid4().hex}.zip.enc", ContentFile(sealed)
    )
    export.status = RecordExport.Status.READY
    export.ready_at = now
    export.expires_at = now + OFFERED_FOR
    export.save(update_fields=["stored_name", "status", "ready_at", "expires_at"])
    audit_record(verb="record_export.built", target=export, actor=None,
                 details={"user": user.pk})
    notify(user, "record_export_ready", {
        "expires_at": timezone.localtime(export.expires_at).strftime("%d %b %Y %H:%M %Z"),
    })
    return export


def record_export_read(*, user, export_id: int) -> tuple[str, bytes]:
    """``(filename, zip bytes)`` of the person's own download while it is offered.
    Anyone else's is ``DoesNotExist``; an expired one is ``ExportNotOffered``."""
    export = RecordExport.objects.get(pk=export_id, user=user)
    if not export.is_offered():
        raise ExportNotOffered
    with default_storage.open(export.stored_name, "rb") as handle:
        data = cipher().decrypt(handle.read())
    audit_record(verb="record_export.downloaded", target=export, actor=user)
    return f"kapstone-record-{export.ready_at:%Y-%m-%d}.zip", data


def record_exports_cleanup(*, now=None) -> int:
    """Delete every download past its 24 hours, file and row; returns how many."""
    removed = 0
    for export in RecordExport.objects.expired(now):
        if export.stored_name:
            default_storage.delete(export.stored_name)
        export.delete()
        removed += 1
    return removed

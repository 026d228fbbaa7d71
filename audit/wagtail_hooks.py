"""Program admins read and filter the audit trail in Wagtail's admin (read-only)."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from config.admin_search import BoundedSearchIndexView

from .models import AuditEvent


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    name = "audit_auditevent"
    icon = "history"
    menu_label = "Audit trail"
    menu_order = 900
    add_to_admin_menu = True
    index_view_class = BoundedSearchIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["occurred_at", "actor_email", "verb", "target_repr", "ip_address"]
    list_filter = ["verb", "target_type", "occurred_at"]
    search_fields = ["actor_email", "target_repr", "verb"]
    form_fields = []  # never edited
    ordering = ["-occurred_at", "-id"]
    inspect_view_fields = ["occurred_at", "actor_email", "verb", "target_type", "target_id",
                           "target_repr", "ip_address", "details"]

    def get_urlpatterns(self):
        # Read-only: only the listing and the inspect page exist.
        return [p for p in super().get_urlpatterns()
                if p.name in {"index", "index_results", "inspect"}]


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEventViewSet()

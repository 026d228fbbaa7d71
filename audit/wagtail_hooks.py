"""Program admins read and filter the audit trail in Wagtail's admin (read-only)."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin_search import BoundedSearchIndexView

from .models import AuditEvent


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Nobody, superusers included, may add, change or delete events here: without
    this a superuser's listing offered an "add" button whose URL does not exist."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)


register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    name = "audit_auditevent"
    icon = "history"
    menu_label = "Audit trail"
    menu_order = 900
    add_to_admin_menu = True
    add_to_reference_index = False
    index_view_class = BoundedSearchIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = ["occurred_at", "actor_email", "verb", "target_repr", "ip_address"]
    list_filter = ["verb", "target_type", "occurred_at"]
    search_fields = ["actor_email", "target_repr", "verb"]
    form_fields = []  # never edited
    ordering = ["-occurred_at", "-id"]
    inspect_view_fields = ["occurred_at", "actor_email", "verb", "target_type", "target_id",
                           "target_repr", "ip_address", "details", "prev_hash", "hash"]

    def get_urlpatterns(self):
        # Read-only: only the listing and the inspect page exist.
        return [p for p in super().get_urlpatterns()
                if p.name in {"index", "index_results", "inspect"}]


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEventViewSet()

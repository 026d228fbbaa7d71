"""Program admins read and filter the audit trail in Wagtail's admin (read-only)."""

from django.urls import reverse
from wagtail import hooks
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin_search import BoundedSearchIndexView

from .models import AuditEvent
from .sentences import attach_sentences, sentence_for


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Nobody, superusers included, may add, change or delete events here: without
    this a superuser's listing offered an "add" button whose URL does not exist."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)


register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))


class AuditIndexView(BoundedSearchIndexView):
    """Each event as a sentence, linked to its raw record; the people the sentences
    name are read for the whole page at once (``audit.sentences``)."""

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("actor")

    def get_table(self, object_list):
        return super().get_table(attach_sentences(object_list))


class AuditInspectView(InspectView):
    """The raw record, under the sentence it reads as."""

    def get_page_subtitle(self):
        return f"{self.object.occurred_at:%d %b %Y, %H:%M:%S} UTC"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sentence"] = sentence_for(self.object)
        return context


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    name = "audit_auditevent"
    icon = "history"
    menu_label = "Audit trail"
    menu_order = 900
    add_to_admin_menu = True
    add_to_reference_index = False
    index_view_class = AuditIndexView
    inspect_view_class = AuditInspectView
    inspect_template_name = "audit/inspect.html"
    inspect_view_enabled = True
    copy_view_enabled = False
    list_display = [
        TitleColumn(
            "sentence", label="What happened",
            get_url=lambda event: reverse("audit_auditevent:inspect", args=[event.pk]),
            get_title_id=lambda event: f"event-{event.pk}",
        ),
        Column("occurred_at", label="When"),
    ]
    list_filter = ["verb", "target_type", "occurred_at"]
    search_fields = ["actor_email", "target_repr", "verb"]
    form_fields = []  # never edited
    ordering = ["-occurred_at", "-id"]
    inspect_view_fields = ["occurred_at", "actor", "actor_email", "verb", "target_type", "target_id",
                           "target_repr", "ip_address", "details", "prev_hash", "hash"]

    def get_urlpatterns(self):
        # Read-only: only the listing and the inspect page exist.
        return [p for p in super().get_urlpatterns()
                if p.name in {"index", "index_results", "inspect"}]


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEventViewSet()

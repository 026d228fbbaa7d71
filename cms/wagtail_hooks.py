from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from . import services
from .models import PublicCollection


class PublicCollectionCreate(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.collection_mark_public(
            actor=self.request.user, collection=data["collection"], reason=data["reason"]
        )


class PublicCollectionDelete(generic.DeleteView):
    def delete_action(self):
        services.collection_mark_private(actor=self.request.user, marker=self.object)


class PublicCollectionViewSet(ModelViewSet):
    """Editors choose, on purpose, which collections anyone may download from."""

    model = PublicCollection
    icon = "folder-open-inverse"
    menu_label = "Public collections"
    add_to_settings_menu = True
    add_view_class = PublicCollectionCreate
    delete_view_class = PublicCollectionDelete
    copy_view_enabled = False
    form_fields = ["collection", "reason"]
    list_display = ["collection", "reason", "marked_by", "marked_at"]

    @property
    def permission_policy(self):
        policy = super().permission_policy
        original = policy.user_has_permission

        def user_has_permission(user, action):
            # Marked or unmarked, never edited: a changed reason is a new decision.
            return action != "change" and original(user, action)

        policy.user_has_permission = user_has_permission
        return policy


@hooks.register("register_admin_viewset")
def register_public_collections():
    return PublicCollectionViewSet("public_collections")

"""What each role's group may do in Django's and Wagtail's permission tables, kept in
step with the groups by a migration and after every migrate. The roles themselves are
``core.roles``."""

from core.roles import Role

# Model permissions each role's group holds. Row-level rules (which trainee, which
# record) live in each app's permissions.py and are not expressed here.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.TRAINEE: (),
    Role.TRAINER: (),
    Role.PROGRAM_ADMIN: (
        "wagtailadmin.access_admin",
        "courses.add_program", "courses.change_program", "courses.view_program",
        "courses.add_cohort", "courses.change_cohort", "courses.view_cohort",
        "courses.add_enrolment", "courses.change_enrolment", "courses.view_enrolment",
        "courses.add_trainerassignment", "courses.change_trainerassignment",
        "courses.view_trainerassignment",
        "competencies.add_framework", "competencies.change_framework",
        "competencies.view_framework",
        "competencies.add_frameworkversion", "competencies.change_frameworkversion",
        "competencies.view_frameworkversion",
        "competencies.add_outcome", "competencies.change_outcome", "competencies.view_outcome",
        # No accounts.*_user: people are managed on Kapstone's own pages
        # (accounts.services), never through Wagtail's user screens.
        "audit.view_auditevent",
    ),
    Role.CURRICULUM_EDITOR: (
        "wagtailadmin.access_admin",
        # Which collections anyone may download documents from (cms.documents).
        "cms.add_publiccollection", "cms.view_publiccollection", "cms.delete_publiccollection",
        "competencies.view_framework", "competencies.view_frameworkversion",
        "competencies.view_outcome",
    ),
}
# Page and collection permissions (Wagtail's own tables) for curriculum editors,
# granted on the root so they cover the whole curriculum tree.
EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
EDITOR_COLLECTION_PERMISSIONS = (
    ("wagtaildocs", "add_document"), ("wagtaildocs", "change_document"),
    ("wagtaildocs", "choose_document"), ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"), ("wagtailimages", "choose_image"),
)


def _model_not_migrated_yet(apps, app_label: str, codename: str) -> bool:
    action, _, model_name = codename.partition("_")
    if action not in {"add", "change", "delete", "view"}:
        return False
    try:
        apps.get_model(app_label, model_name)
    except LookupError:
        return True
    return False


def sync_role_groups(apps, verbosity: int = 0) -> None:
    """Create the role groups and give each exactly its permissions. Idempotent.

    Runs from a migration (with historical models) and again after every migrate, so
    permissions of models added later reach the groups too.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is None:
                if _model_not_migrated_yet(apps, app_label, codename):
                    continue  # a later migration makes it; the post-migrate sync grants it
                raise LookupError(f"Permission {name} does not exist")
            wanted.append(perm)
        group.permissions.set(wanted)

    editors = Group.objects.get(name=Role.CURRICULUM_EDITOR.value)
    try:
        Page = apps.get_model("wagtailcore", "Page")
        GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
        Collection = apps.get_model("wagtailcore", "Collection")
        GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    except LookupError:
        return
    root = Page.objects.filter(depth=1).first()
    if root is not None:
        for codename in EDITOR_PAGE_PERMISSIONS:
            perm = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
            GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=perm)
    root_collection = Collection.objects.filter(depth=1).first()
    if root_collection is not None:
        for app_label, codename in EDITOR_COLLECTION_PERMISSIONS:
            perm = Permission.objects.get(content_type__app_label=app_label, codename=codename)
            GroupCollectionPermission.objects.get_or_create(
                group=editors, collection=root_collection, permission=perm
            )

"""Wagtail's user screens are closed: people are managed on Kapstone's own pages
(/manage/people/, accounts.services), which hold the rules, verify e-mail changes and
audit every change. Wagtail's forms would set e-mail addresses unverified and offer an
"Administrator" (superuser) flag. Program admins no longer hold the user permissions
(accounts.roles), so the screens are out of their menu and refused by Wagtail; these
hooks also close them to superusers, who work from the command line."""

from django.contrib import messages
from django.shortcuts import redirect
from wagtail import hooks

from .models import User

_MOVED = "People are managed on Kapstone's people pages, not in Wagtail's user screens."


def _to_people(request, user=None):
    messages.info(request, _MOVED)
    if user is not None:
        return redirect("accounts:person_edit", user_id=user.pk)
    return redirect("accounts:people")


@hooks.register("before_create_user")
def no_user_creation_here(request):
    return _to_people(request)


@hooks.register("before_edit_user")
def no_user_editing_here(request, user):
    return _to_people(request, user)


@hooks.register("before_delete_user")
def no_user_deletion_here(request, user):
    return _to_people(request, user)


@hooks.register("before_bulk_action")
def no_bulk_changes_to_users(request, action_type, objects, action_class_instance):
    if any(isinstance(obj, User) for obj in objects) or getattr(
        action_class_instance, "model", None
    ) is User:
        return _to_people(request)
    return None


@hooks.register("construct_settings_menu")
def hide_user_screens(request, menu_items):
    menu_items[:] = [item for item in menu_items if item.name != "users"]

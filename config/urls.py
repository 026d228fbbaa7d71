from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from accounts import views as account_views
from config import views
from core.access import (
    DJANGO_ADMIN,
    GET,
    GET_POST,
    PUBLIC,
    SIGNED_IN,
    WAGTAIL_ADMIN,
    access,
    declare_urlpatterns,
)

# Both admins sign in through allauth (with MFA); their password-only forms are never served.
admin.site.login = secure_admin_login(admin.site.login)


def _to(pattern_name: str):
    # POST too: Wagtail's own "Log out" button posts to its old URL.
    redirect = RedirectView.as_view(pattern_name=pattern_name, query_string=True)
    return access(PUBLIC, methods=GET_POST)(redirect)


# allauth's pages are public (sign in, sign up, reset) except those about an account.
_ACCOUNT_PAGES = {
    name: SIGNED_IN
    for name in (
        "account_email", "account_change_password", "account_set_password",
        "account_reauthenticate", "account_change_phone",
        "mfa_index", "mfa_activate_totp", "mfa_deactivate_totp", "mfa_reauthenticate",
        "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes", "mfa_list_webauthn", "mfa_add_webauthn",
        "mfa_remove_webauthn", "mfa_edit_webauthn",
    )
}
# The Wagtail admin's own static helpers need no login.
_WAGTAIL_PUBLIC = {"wagtailadmin_sprite": PUBLIC, "wagtailadmin_javascript_catalog": PUBLIC}
# Wagtail's public function views answer any method; pages and documents are read, and
# only the password forms of restricted ones are posted.
_SERVE_METHODS = {
    "wagtail_serve": GET, "wagtaildocs_serve": GET,
    "wagtailcore_authenticate_with_password": GET_POST,
    "wagtaildocs_authenticate_with_password": GET_POST,
}

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("home/", account_views.home, name="home"),
    path("", include("accounts.urls")),
    path("", include("courses.urls")),
    path("", include("competencies.urls")),
    path("", include("consultation.urls")),
    path("", include("certificates.urls")),
    path("", include("jobs.urls")),
    path("", include("notifications.urls")),
    path("", include("mydata.urls")),
    path(
        "accounts/",
        include(declare_urlpatterns(include("allauth.urls")[0].urlpatterns, PUBLIC, _ACCOUNT_PAGES)),
    ),
    # Side doors closed: Wagtail's admin and front-end login forms and its password
    # reset are replaced by allauth's.
    path("admin/login/", _to("account_login"), name="admin_login_redirect"),
    path("admin/logout/", _to("account_logout"), name="admin_logout_redirect"),
    re_path(r"^admin/password_reset/", _to("account_reset_password"), name="admin_reset_redirect"),
    path("_util/login/", _to("account_login"), name="frontend_login_redirect"),
    path(
        "admin/",
        include(declare_urlpatterns(wagtailadmin_urls.urlpatterns, WAGTAIL_ADMIN, _WAGTAIL_PUBLIC)),
    ),
    path(
        "django-admin/",
        include((declare_urlpatterns(admin.site.get_urls(), DJANGO_ADMIN), "admin"), namespace="admin"),
    ),
    # Documents are served through Wagtail's view, which applies collection privacy.
    path(
        "documents/",
        include(declare_urlpatterns(wagtaildocs_urls.urlpatterns, PUBLIC, methods=_SERVE_METHODS)),
    ),
]

# Wagtail serves every page it owns; page privacy is applied by Wagtail's own
# view restrictions. This must stay last.
urlpatterns += [
    path("", include(declare_urlpatterns(wagtail_urls.urlpatterns, PUBLIC, methods=_SERVE_METHODS)))
]

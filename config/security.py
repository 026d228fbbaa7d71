"""Response headers Django's SecurityMiddleware does not set.

Every response gets a Content Security Policy and a Permissions-Policy. The site's own
pages run no inline script, inline style or event-handler attribute (a test walks every
page and every template to keep it so), so their policy allows scripts and styles from
this origin only and refuses to be framed. The Wagtail admin under ``/admin/`` still
renders some inline scripts and styles of its own, and frames its own previews: it gets
the looser ``CSP_ADMIN`` policy.

Both policies are settings (``CSP_SITE``, ``CSP_ADMIN``, ``CSP_ADMIN_PATHS``,
``PERMISSIONS_POLICY``) so that a deployment adds a host in one place. A view outside
the admin that sets its own header keeps it.
"""

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def policy_header(directives: Mapping[str, tuple[str, ...]]) -> str:
    """``{"script-src": ("'self'",)}`` → ``"script-src 'self'"``."""
    return "; ".join(" ".join((name, *sources)).strip() for name, sources in directives.items())


def permissions_header(features: Mapping[str, tuple[str, ...]]) -> str:
    """``{"camera": (), "publickey-credentials-get": ("self",)}`` →
    ``"camera=(), publickey-credentials-get=(self)"``."""
    return ", ".join(f"{name}=({' '.join(allowed)})" for name, allowed in features.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Built once: the settings do not change while a process runs.
        self.site_csp = policy_header(settings.CSP_SITE)
        self.admin_csp = policy_header(settings.CSP_ADMIN)
        self.admin_paths = tuple(settings.CSP_ADMIN_PATHS)
        self.permissions = permissions_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(self.admin_paths):
            # Always the admin's: a page previewed in the admin is rendered through the
            # middleware a second time as its public URL, and would come back with the
            # site's frame-ancestors 'none', refusing the admin's own preview frame.
            response.headers["Content-Security-Policy"] = self.admin_csp
        else:
            response.headers.setdefault("Content-Security-Policy", self.site_csp)
        response.headers.setdefault("Permissions-Policy", self.permissions)
        return response

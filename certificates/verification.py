"""The project's own verifier, wired to what this site can vouch for without a network:
its own did:web key (and did:key, which carries its key), and its own status lists."""

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from .credentials import keys, verifier


def _resolve_verification_method(url: str):
    key = keys.load_signing_key()
    if url == key.verification_method:
        return key.public_key
    raise verifier.UnknownKey(
        f"{url} is not a key this site can resolve; Kapstone's own key is {key.verification_method}."
    )


def _fetch_status_list(url: str) -> dict | None:
    from . import services

    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "certificates:status_list":
        return None
    try:
        return services.status_list_current(int(match.kwargs["list_id"]))
    except services.StatusList.DoesNotExist:
        return None


def verify_uploaded(credential) -> "verifier.VerificationReport":
    return verifier.verify_credential(
        credential,
        resolve_verification_method=_resolve_verification_method,
        fetch_status_list=_fetch_status_list,
    )

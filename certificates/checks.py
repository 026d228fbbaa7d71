from django.core.checks import Error, register


@register(deploy=True)
def credential_key_configured(app_configs, **kwargs):
    """A production site must be able to sign certificates from its first issue."""
    from django.core.exceptions import ImproperlyConfigured

    from .keys import load_signing_key

    try:
        load_signing_key()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="certificates.E001",
                      hint="Set CREDENTIAL_SIGNING_KEY or CREDENTIAL_SIGNING_KEY_FILE.")]
    return []

"""Where stored files live: ``STORAGES`` from the environment.

Local disk (MEDIA_ROOT) unless AWS_STORAGE_BUCKET_NAME names a bucket; then every
uploaded and generated file (evidence, certificate PDFs, hours exports, Wagtail
documents and images) goes to that S3-compatible bucket through django-storages, so any
number of app processes and workers share them. Static files stay on local disk.

The bucket is private: objects are written with no ACL (the bucket's own policy, which
must not allow public reads, decides), and any URL the storage hands out is signed and
lives AWS_QUERYSTRING_EXPIRE seconds. Private files are not served by URL at all: the
permission-checked views stream them from the storage (README, "Stored files").
"""

from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

FILESYSTEM = "django.core.files.storage.FileSystemStorage"
S3 = "storages.backends.s3.S3Storage"
DEFAULT_QUERYSTRING_EXPIRE = 60  # seconds: long enough to start a download, no longer


def _static(debug: bool) -> dict:
    return {"BACKEND": (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
        if debug
        else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    )}


def storages_from_env(env: environ.Env, *, debug: bool) -> dict:
    """The STORAGES setting the environment asks for; ImproperlyConfigured says what is
    wrong with a half or badly given S3 configuration."""
    bucket = env("AWS_STORAGE_BUCKET_NAME", default="").strip()
    if not bucket:
        if env("AWS_S3_ENDPOINT_URL", default=""):
            # AWS keys alone may serve something else; an endpoint only means storage.
            raise ImproperlyConfigured(
                "AWS_S3_ENDPOINT_URL is set but AWS_STORAGE_BUCKET_NAME is not: name the bucket "
                "(or unset the endpoint to keep files on local disk).")
        return {"default": {"BACKEND": FILESYSTEM}, "staticfiles": _static(debug)}

    options: dict = {
        "bucket_name": bucket,
        # Private: no public-read ACL, signed URLs only, never a custom (unsigned) domain.
        "default_acl": None,
        "querystring_auth": True,
        "custom_domain": None,
        # Like the local disk: a new file never replaces another under the same name.
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    endpoint = env("AWS_S3_ENDPOINT_URL", default="").strip()
    if endpoint:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(
                f"AWS_S3_ENDPOINT_URL must be an http(s) URL such as https://s3.example.com, "
                f"not {endpoint!r}.")
        options["endpoint_url"] = endpoint
        # S3-compatible servers (MinIO, Ceph, moto) expect bucket names in the path.
        options["addressing_style"] = env("AWS_S3_ADDRESSING_STYLE", default="path")
    elif env("AWS_S3_ADDRESSING_STYLE", default=""):
        options["addressing_style"] = env("AWS_S3_ADDRESSING_STYLE")
    if options.get("addressing_style") not in (None, "auto", "path", "virtual"):
        raise ImproperlyConfigured(
            "AWS_S3_ADDRESSING_STYLE must be auto, path or virtual, "
            f"not {options['addressing_style']!r}.")

    access_key = env("AWS_ACCESS_KEY_ID", default="")
    secret_key = env("AWS_SECRET_ACCESS_KEY", default="")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither (to use the "
            "machine's role or ~/.aws credentials).")
    if access_key:
        options["access_key"], options["secret_key"] = access_key, secret_key
    region = env("AWS_S3_REGION_NAME", default="")
    if region:
        options["region_name"] = region
    location = env("AWS_LOCATION", default="").strip("/")
    if location:
        options["location"] = location

    raw_expire = env("AWS_QUERYSTRING_EXPIRE", default=str(DEFAULT_QUERYSTRING_EXPIRE))
    try:
        expire = int(raw_expire)
    except ValueError:
        expire = 0
    if not 1 <= expire <= 3600:
        raise ImproperlyConfigured(
            f"AWS_QUERYSTRING_EXPIRE is the lifetime of a signed URL in seconds, 1 to 3600, "
            f"not {raw_expire!r}.")
    options["querystring_expire"] = expire

    return {"default": {"BACKEND": S3, "OPTIONS": options}, "staticfiles": _static(debug)}

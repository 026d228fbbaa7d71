"""STORAGES from the environment (config/settings/storage.py): local disk unless a bucket
is named, and then a private S3-compatible bucket; half-given settings refused."""

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import StorageHandler

from config.settings.storage import FILESYSTEM, S3, storages_from_env
from tests.test_settings import _run

BUCKET = {
    "AWS_STORAGE_BUCKET_NAME": "kapstone-files",
    "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    "AWS_ACCESS_KEY_ID": "access",
    "AWS_SECRET_ACCESS_KEY": "secret",
    "AWS_S3_REGION_NAME": "eu-central-1",
}


def _storages(debug: bool = True, **variables) -> dict:
    env = environ.Env()
    env.ENVIRON = variables  # this Env reads only the given variables
    return storages_from_env(env, debug=debug)


def test_default_is_local_disk_and_static_files_stay_local():
    storages = _storages()
    assert storages["default"] == {"BACKEND": FILESYSTEM}
    assert storages["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")
    assert _storages(debug=False)["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage")


def test_a_bucket_switches_files_to_a_private_s3_storage_with_short_signed_urls():
    storages = _storages(**BUCKET)
    assert storages["default"]["BACKEND"] == S3
    options = storages["default"]["OPTIONS"]
    assert options["bucket_name"] == "kapstone-files"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["addressing_style"] == "path"  # S3-compatible servers
    assert (options["access_key"], options["secret_key"]) == ("access", "secret")
    assert options["region_name"] == "eu-central-1"
    # Private: no ACL, signed URLs that live a minute, no unsigned custom domain.
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 60
    assert options["custom_domain"] is None
    assert options["file_overwrite"] is False
    assert storages["staticfiles"]["BACKEND"].endswith("StaticFilesStorage")


def test_aws_itself_needs_no_endpoint_and_keys_may_come_from_the_machine_role():
    options = _storages(AWS_STORAGE_BUCKET_NAME="kapstone-files", AWS_QUERYSTRING_EXPIRE="30",
                        AWS_LOCATION="/media/")["default"]["OPTIONS"]
    assert "endpoint_url" not in options and "access_key" not in options
    assert "addressing_style" not in options
    assert options["querystring_expire"] == 30
    assert options["location"] == "media"


@pytest.mark.parametrize("variables, message", [
    ({"AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"},
     "AWS_S3_ENDPOINT_URL is set but AWS_STORAGE_BUCKET_NAME is not"),
    ({**BUCKET, "AWS_S3_ENDPOINT_URL": "127.0.0.1:9000"},
     r"AWS_S3_ENDPOINT_URL must be an http\(s\) URL"),
    ({**BUCKET, "AWS_SECRET_ACCESS_KEY": ""},
     "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither"),
    ({**BUCKET, "AWS_QUERYSTRING_EXPIRE": "a minute"},
     r"AWS_QUERYSTRING_EXPIRE is the lifetime of a signed URL in seconds, 1 to 3600, not 'a minute'"),
    ({**BUCKET, "AWS_QUERYSTRING_EXPIRE": "86400"}, "1 to 3600, not '86400'"),
    ({**BUCKET, "AWS_S3_ADDRESSING_STYLE": "dns"}, "must be auto, path or virtual, not 'dns'"),
])
def test_half_or_badly_given_settings_are_refused_with_what_to_fix(variables, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _storages(**variables)


PROBE = (
    "import django; from django.conf import settings; django.setup();"
    "from django.core.files.storage import storages; default = storages['default'];"
    "print(type(default).__module__ + '.' + type(default).__name__,"
    " type(storages['staticfiles']).__name__, getattr(default, 'bucket_name', '-'))"
)


@pytest.mark.parametrize("variables, expected", [
    ({}, "django.core.files.storage.filesystem.FileSystemStorage StaticFilesStorage -"),
    (BUCKET, "storages.backends.s3.S3Storage StaticFilesStorage kapstone-files"),
])
def test_the_site_settings_build_that_storage(variables, expected):
    clean = {name: "" for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL",
                                   "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    # The development settings, as `make demo` runs them.
    result = _run(["-c", PROBE], {**clean, **variables}, settings="config.settings.local")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_the_bucket_storage_hands_out_only_urls_signed_for_a_minute():
    storage = StorageHandler(_storages(**BUCKET))["default"]
    url = storage.url("certificates/2026/abc.pdf")
    assert url.startswith("http://127.0.0.1:9000/kapstone-files/certificates/2026/abc.pdf?")
    assert "X-Amz-Expires=60&" in url and "X-Amz-Signature=" in url

"""The images a program prints on its certificates: a signature and a seal.

They are uploaded by a program admin, checked here (a real PNG or JPEG, not too large),
stored under a name the server chooses, and never served as files: Django routes no
MEDIA_URL and the proxy serves only ``/media/images/`` (lesson illustrations), so the
only place they appear is inside a certificate PDF, embedded by ``certificates.pdf``.
"""

import uuid

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 1024 * 1024
MAX_SIDE = 4000
FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}


def image_format(file) -> str:
    """The image's format as Pillow reads it from its bytes (not its name), after
    checking the whole file decodes; raises ValidationError for anything else."""
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
            found, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError("Upload a PNG or JPEG image.") from error
    finally:
        file.seek(0)
    if found not in FORMATS:
        raise ValidationError("Upload a PNG or JPEG image.")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(f"The image is {width}×{height} pixels; keep each side within {MAX_SIDE}.")
    return found


def validate_certificate_image(file) -> None:
    if file.size > MAX_BYTES:
        raise ValidationError(
            f"The image is {file.size / (1024 * 1024):.1f} MB; the limit is {MAX_BYTES // (1024 * 1024)} MB."
        )
    image_format(file)


def certificate_image_upload_to(instance, filename: str) -> str:
    # The server chooses the name: the admin's file name says nothing the PDF needs.
    suffix = ".png" if filename.lower().endswith(".png") else ".jpg"
    return f"programs/certificate-images/{uuid.uuid4().hex}{suffix}"

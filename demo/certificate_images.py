"""The demo program's signature and seal, drawn here with Pillow (no files to ship).

A real program's admin uploads scans in the Wagtail admin (Programs → edit); the demo
draws a handwritten-looking line and a round seal so its certificates show both.
"""

import io
import math

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

INK = (29, 39, 51, 255)
SEAL = (45, 74, 107, 255)


def _png(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def signature_png() -> ContentFile:
    """A flowing signature stroke on a transparent background."""
    width, height = 720, 200
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = []
    for step in range(0, 600):
        t = step / 600
        x = 40 + t * 620
        # A few loops that slow into a long tail: enough to read as a hand.
        y = 105 - 60 * math.sin(t * 9 * math.pi) * (1 - t) ** 0.6 - 20 * math.sin(t * 2.3 * math.pi)
        x += 42 * math.cos(t * 9 * math.pi) * (1 - t) ** 0.8
        points.append((x, y))
    draw.line(points, fill=INK, width=6, joint="curve")
    draw.line([(70, 170), (460, 158)], fill=INK, width=4)
    return _png(image, "signature.png")


def seal_png() -> ContentFile:
    """A round seal: two rings, the program's initials and a star at the foot."""
    size = 480
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    centre = size / 2
    draw.ellipse((8, 8, size - 8, size - 8), outline=SEAL, width=14)
    draw.ellipse((46, 46, size - 46, size - 46), outline=SEAL, width=5)
    for k in range(48):  # the milled edge between the rings
        angle = 2 * math.pi * k / 48
        inner, outer = centre - 62, centre - 30
        draw.line([(centre + inner * math.cos(angle), centre + inner * math.sin(angle)),
                   (centre + outer * math.cos(angle), centre + outer * math.sin(angle))], fill=SEAL, width=4)
    try:
        font = ImageFont.truetype("DejaVuSerif-Bold.ttf", 120)
        small = ImageFont.truetype("DejaVuSans-Bold.ttf", 34)
    except OSError:
        font = small = ImageFont.load_default()
    draw.text((centre, centre - 10), "KAP", font=font, fill=SEAL, anchor="mm")
    draw.text((centre, centre + 90), "CERTIFIED", font=small, fill=SEAL, anchor="mm")
    star = [(centre + (22 if k % 2 == 0 else 9) * math.cos(math.pi / 2 + k * math.pi / 5),
             centre - 125 - (22 if k % 2 == 0 else 9) * math.sin(math.pi / 2 + k * math.pi / 5))
            for k in range(10)]
    draw.polygon(star, fill=SEAL)
    return _png(image, "seal.png")

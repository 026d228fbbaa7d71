"""The certificate's QR code draws exactly the modules of the code for its URL."""

import re

import pytest
import qrcode
import qrcode.image.svg

from certificates.qr import qr_svg

URLS = [
    "https://kapstone.example/verify/0123456789abcdef0123456789abcdef/",
    "http://testserver/verify/ffffffffffffffffffffffffffffffff/",
    "x",
]


def _drawn(svg: bytes) -> set[tuple[int, int]]:
    """The modules covered by the path's rectangles (``Mx,yh<n>v1h-<n>z``)."""
    d = re.search(rb'<path d="([^"]*)"', svg).group(1).decode()
    cells = set()
    for x, y, n, back in re.findall(r"M(\d+),(\d+)h(\d+)v1h-(\d+)z", d):
        assert n == back
        cells |= {(int(x) + i, int(y)) for i in range(int(n))}
    assert re.sub(r"M\d+,\d+h\d+v1h-\d+z", "", d) == ""  # nothing else is drawn
    return cells


def _reference(text: str) -> set[tuple[int, int]]:
    """The dark modules qrcode's own SVG renderer draws, one square each."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", image.path.attrib["d"])}


@pytest.mark.parametrize("url", URLS)
def test_qr_draws_the_same_modules_as_the_reference_renderer(url):
    assert _drawn(qr_svg(url)) == _reference(url)


def test_qr_draws_a_run_as_one_rectangle_and_keeps_its_quiet_zone():
    svg = qr_svg(URLS[0])
    size = int(re.search(rb'viewBox="0 0 (\d+) ', svg).group(1))
    cells = _drawn(svg)
    # The finder pattern's top edge is one run of seven dark modules inside the border.
    assert b"M2,2h7v1h-7z" in svg
    assert min(x for x, _ in cells) == 2 and max(x for x, _ in cells) == size - 3

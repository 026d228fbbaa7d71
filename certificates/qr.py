"""QR codes for certificates: an SVG data URI that WeasyPrint and browsers draw crisply."""

import base64

import qrcode

BORDER = 2  # modules of quiet zone on each side


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules, row by row, quiet zone included (True is dark)."""
    code = qrcode.QRCode(border=BORDER, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _runs(row: list[bool]):
    """(start, length) of each run of dark modules in a row."""
    start = None
    for x, dark in enumerate([*row, False]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            yield start, x - start
            start = None


def qr_svg(text: str) -> bytes:
    """One path with a rectangle per run of dark modules in a row: WeasyPrint parses and
    fills a path per PDF, and one rectangle per module (qrcode's own SVG) took a
    third of the certificate's drawing time."""
    matrix = qr_matrix(text)
    size = len(matrix)
    d = "".join(f"M{x},{y}h{n}v1h-{n}z" for y, row in enumerate(matrix) for x, n in _runs(row))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}mm" height="{size}mm" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><path d="{d}"/></svg>'
    ).encode()


def qr_svg_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode()

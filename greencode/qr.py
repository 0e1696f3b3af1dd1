"""QR codes of verification links: inline on the portal's pages, and files that work anywhere else.

The files are standalone: an SVG with its namespace, a white background and the 4-module quiet zone the QR
standard asks for; a PNG the same. Both are black on white, which every scanner and printer reads.
"""

from __future__ import annotations

import base64
import io

import segno
from django.utils.html import mark_safe

ERROR = "m"  # 15 % of the symbol can be soiled or covered and it still reads
QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004)


def make(url: str) -> segno.QRCode:
    return segno.make(url, error=ERROR, micro=False)


def inline_svg(url: str, *, dark: str = "#1b4332") -> str:
    """An <svg> element for a page (sized by its container)."""
    svg = make(url).svg_inline(scale=3, dark=dark, light="#fff", border=QUIET_ZONE)
    return mark_safe(svg)  # noqa: S308 (segno's own SVG of our own URL)


def svg_file(url: str, *, title: str = "") -> bytes:
    """A standalone SVG document: XML declaration, xmlns, white background, quiet zone, black modules."""
    out = io.BytesIO()
    make(url).save(out, kind="svg", scale=10, border=QUIET_ZONE, dark="#000", light="#fff", xmldecl=True,
                   svgns=True, title=title or None, desc=url, encoding="utf-8")
    return out.getvalue()


def png_file(url: str, *, scale: int = 10) -> bytes:
    """A PNG, black on white with the quiet zone (at scale 10 about 7 cm wide at 300 dpi)."""
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()


def data_uri_svg(url: str) -> str:
    """The standalone SVG as a data: URI, for the PDF certificate (drawn as vectors: sharp at any printer)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg_file(url)).decode("ascii")

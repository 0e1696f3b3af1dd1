"""QR files that work outside the portal: a standalone SVG and a PNG, black on white with the quiet zone, that an
ordinary decoder (zbarimg) reads back as the absolute verification link."""

import struct
import xml.etree.ElementTree as ET

import segno

from greencode import qr

from .code_helpers import run, zbarimg

URL = ("https://green.example.gov.cn/code/v/eyJhbGciOiJFZERTQSIsImtpZCI6ImdkLTIwMjUwMzAxLWExYjJjMyJ9."
       "eyJuIjoiR0QtMjAyNC1OMDAwMDEyMyJ9.c2lnbmF0dXJl/")
SVG = "{http://www.w3.org/2000/svg}"


def test_qr_svg_file_is_a_standalone_document_with_a_white_background(tmp_path):
    data = qr.svg_file(URL, title="GD-2024-N0000123")

    assert data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(data)
    assert root.tag == f"{SVG}svg"
    modules = segno.make(URL, error="m").symbol_size(scale=1, border=4)[0]
    assert (root.get("width"), root.get("height")) == (str(modules * 10), str(modules * 10))
    background = root.find(f"{SVG}g/{SVG}path")
    assert background.get("fill") == "#fff" and background.get("d") == f"M0 0h{modules}v{modules}h-{modules}z"
    assert root.find(f"{SVG}title").text == "GD-2024-N0000123"


def test_qr_svg_file_decodes_to_the_link(tmp_path):
    (tmp_path / "qr.svg").write_bytes(qr.svg_file(URL))
    run("rsvg-convert", "--background-color=none", tmp_path / "qr.svg", "-o", tmp_path / "qr.png")

    assert zbarimg(tmp_path / "qr.png") == [URL]


def test_qr_png_file_decodes_to_the_link_and_keeps_the_quiet_zone(tmp_path):
    data = qr.png_file(URL, scale=10)
    (tmp_path / "qr.png").write_bytes(data)

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    modules = segno.make(URL, error="m").version * 4 + 17
    assert width == height == (modules + 2 * 4) * 10
    assert zbarimg(tmp_path / "qr.png") == [URL]


def test_qr_inline_svg_for_pages_has_no_xml_declaration():
    svg = qr.inline_svg(URL)

    assert svg.startswith("<svg") and 'fill="#fff"' in svg

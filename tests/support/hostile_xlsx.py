"""Hostile .xlsx packages, built in the test (no binary fixtures): each is small to upload and
would be large, slow or unsafe to read whole."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook

SHEET_PART = "xl/worksheets/sheet1.xml"
HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
TAIL = b"</sheetData></worksheet>"


def plain_package() -> bytes:
    """A harmless workbook of one sheet, whose parts the others replace."""
    book = Workbook()
    book.active["A1"] = "ok"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replaced(data: bytes, parts: dict[str, bytes | None], extra=None, compression=None) -> bytes:
    """`data` with some parts replaced (bytes, or None for "written by extra") and extra parts.

    `extra(name, stream)` writes a part in streaming fashion, so that a large sheet is never
    held in memory by the test either.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in parts:
                continue
            target.writestr(info, source.read(info))
        for name, content in parts.items():
            kind = compression if compression is not None else zipfile.ZIP_DEFLATED
            if content is None:
                info = zipfile.ZipInfo(name)
                info.compress_type = kind
                with target.open(info, "w", force_zip64=True) as stream:
                    extra(name, stream)
            else:
                target.writestr(name, content, compress_type=kind)
    return out.getvalue()


def million_rows(*, with_cells: bool = False) -> bytes:
    """A sheet of 1,000,000 rows and no <dimension>: under a megabyte packed."""

    def write(_name, stream):
        stream.write(HEAD)
        for start in range(1, 1_000_001, 10_000):
            if with_cells:
                rows = (
                    f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for n in range(start, start + 10_000)
                )
            else:
                rows = (f'<row r="{n}"/>' for n in range(start, start + 10_000))
            stream.write("".join(rows).encode())
        stream.write(TAIL)

    return replaced(plain_package(), {SHEET_PART: None}, extra=write)


def sheet_of(body: bytes) -> bytes:
    """A workbook whose sheet holds `body` inside <sheetData>."""
    return replaced(plain_package(), {SHEET_PART: HEAD + body + TAIL})


def rows(count: int) -> bytes:
    return sheet_of(
        b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (n, n) for n in range(1, count + 1))
    )


def far_cell(reference: str) -> bytes:
    """One cell far away (e.g. XFD1048576): openpyxl's sheet then spans up to it."""
    return sheet_of(b'<row r="1"><c r="%s"><v>1</v></c></row>' % reference.encode())


def merged(reference: str) -> bytes:
    """A merged range: openpyxl makes one object for every cell it covers."""
    body = HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row></sheetData>'
    body += b'<mergeCells count="1"><mergeCell ref="%s"/></mergeCells></worksheet>' % (
        reference.encode()
    )
    return replaced(plain_package(), {SHEET_PART: body})


def with_doctype(data: bytes, part: str = SHEET_PART) -> bytes:
    """`data` whose `part` declares entities that expand a billion times, one of them used."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        xml = source.read(part)
    lol = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10)
    )
    declaration, marker, rest = xml.partition(b"?>")
    if not marker:
        declaration, rest = b'<?xml version="1.0" encoding="UTF-8"', xml
    root = rest.lstrip()[1:].split(b" ", 1)[0].split(b">", 1)[0]
    doctype = b"<!DOCTYPE %s [%s]>" % (root, lol)
    if part == SHEET_PART:
        rest = rest.replace(b"<v>", b"<v>&a9;", 1) if b"<v>" in rest else rest
    return replaced(data, {part: declaration + b"?>\n" + doctype + rest})


def bomb(data: bytes, size: int = 15 * 1024 * 1024) -> bytes:
    """`data` with a part of `size` zero bytes: a compression ratio of about 1000:1."""

    def write(_name, stream):
        block = b"\0" * (1024 * 1024)
        for _ in range(size // len(block)):
            stream.write(block)

    return replaced(data, {"xl/media/image1.png": None}, extra=write)


def utf16(data: bytes, part: str = "xl/workbook.xml") -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        xml = source.read(part).decode()
    xml = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return replaced(data, {part: xml.encode("utf-16")})

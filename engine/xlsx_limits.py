"""Bounds an uploaded .xlsx must keep before openpyxl reads it (bounded work for any input).

An .xlsx is a zip of XML parts, and openpyxl loads every cell of a sheet (and one object per
cell of a merged range) into memory. A small upload can therefore hold a very large sheet: an
800 KB zip of 1,000,000 empty rows unpacks to 160 MB. `check` looks at the package first —
the zip's directory (members, unpacked sizes, compression ratio), then one streaming pass over
each XML part — and refuses with InvalidInput (422) naming the reason:

- more members, more unpacked bytes in all or a larger compression ratio than allowed;
- any DOCTYPE or ENTITY declaration (a workbook never needs one; entities can expand without
  bound), or XML in UTF-16/32, which the byte scan could not read;
- in a worksheet: more rows or cells than allowed, a cell or row beyond the last row or column
  allowed, or merged ranges covering more cells than allowed.

The zip's declared sizes are a bound on what it unpacks: zipfile stops at a member's declared
size (and then fails its CRC check), so a member that lies about its size is refused too.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string

from engine.errors import InvalidInput

CHUNK = 1 << 16


@dataclass(frozen=True)
class XlsxLimits:
    max_unpacked: int = 20 * 1024 * 1024  # bytes, all members together
    max_ratio: int = 100  # unpacked : packed, for members larger than RATIO_FROM
    ratio_from: int = 1024 * 1024
    max_members: int = 500
    max_rows: int = 5_000  # <row> elements, and the highest row number
    max_columns: int = 200  # the highest column number (GR)
    max_cells: int = 100_000  # <c> elements in one sheet
    max_merged_cells: int = 50_000  # cells covered by one sheet's merged ranges


LIMITS = XlsxLimits()

# What a scan of XML bytes looks for; a namespace prefix (x:row) is allowed.
_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROW = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_CELL = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_ROW_NUMBER = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\br\s*=\s*[\"'](\d{1,12})")
_CELL_REF = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,4})\$?(\d{1,12})")
_MERGE = re.compile(
    rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']"
    rb"\$?([A-Za-z]{1,4})\$?(\d{1,12})(?::\$?([A-Za-z]{1,4})\$?(\d{1,12}))?"
)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_ENCODING = re.compile(rb"<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})")
# Encodings in which "<!DOCTYPE" is the same bytes as in ASCII (UTF-7, UTF-16, EBCDIC are not).
_ASCII_LIKE = {
    b"utf-8",
    b"utf8",
    b"us-ascii",
    b"ascii",
    b"iso-8859-1",
    b"latin1",
    b"latin-1",
    b"windows-1252",
    b"cp1252",
    b"gbk",
    b"gb2312",
    b"gb18030",
    b"big5",
}


def refuse(reason: str, message: str, **params) -> InvalidInput:
    return InvalidInput(
        f"nothing was imported: {message}",
        errors={"xlsx": reason},
        key=f"xlsx.{reason}",
        params=params,
    )


def check(data: bytes, limits: XlsxLimits = LIMITS) -> None:
    """Refuse (InvalidInput) an .xlsx package beyond `limits`; return if it is within them."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidInput(
            "the file is not an Excel workbook (.xlsx)", errors={"file": "not xlsx"}
        ) from None
    with package:
        members = package.infolist()
        _check_directory(members, limits)
        for member in members:
            if member.filename.lower().endswith(_XML_SUFFIXES):
                _scan(package, member, limits)


def _check_directory(members: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    if len(members) > limits.max_members:
        raise refuse(
            "members",
            f"the workbook has {len(members)} parts (at most {limits.max_members})",
            count=len(members),
            limit=limits.max_members,
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_unpacked:
        mb = limits.max_unpacked // (1024 * 1024)
        raise refuse(
            "unpacked", f"the workbook unpacks to more than {mb} MB", size=total, limit_mb=mb
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > limits.ratio_from and ratio > limits.max_ratio:
            raise refuse(
                "ratio",
                f"part {member.filename} is compressed {int(ratio)}:1 "
                f"(at most {limits.max_ratio}:1)",
                part=member.filename,
                ratio=int(ratio),
                limit=limits.max_ratio,
            )


class _Sheet:
    """Counts while one part is scanned; raises as soon as a limit is passed."""

    def __init__(self, part: str, limits: XlsxLimits, worksheet: bool) -> None:
        self.part, self.limits, self.worksheet = part, limits, worksheet
        self.rows = self.cells = self.merged = 0

    def feed(self, text: bytes) -> None:
        if _DECLARATION.search(text):
            raise refuse(
                "doctype",
                f"part {self.part} declares a DOCTYPE or an entity, which a workbook never needs",
                part=self.part,
            )
        if not self.worksheet:
            return
        limits = self.limits
        self.rows += len(_ROW.findall(text))
        self.cells += len(_CELL.findall(text))
        if self.rows > limits.max_rows:
            raise self._too_many_rows()
        if self.cells > limits.max_cells:
            raise refuse(
                "cells",
                f"the sheet has more than {limits.max_cells} cells",
                limit=limits.max_cells,
            )
        for number in _ROW_NUMBER.findall(text):
            if int(number) > limits.max_rows:
                raise self._too_many_rows()
        for letters, number in _CELL_REF.findall(text):
            self._place(letters, number)
        for first, top, last, bottom in _MERGE.findall(text):
            width = self._place(last or first, bottom or top) - self._place(first, top) + 1
            height = int(bottom or top) - int(top) + 1
            self.merged += max(width, 1) * max(height, 1)
            if self.merged > limits.max_merged_cells:
                raise refuse(
                    "merged",
                    f"the sheet's merged cells cover more than {limits.max_merged_cells} cells",
                    limit=limits.max_merged_cells,
                )

    def _place(self, letters: bytes, number: bytes) -> int:
        """The column number of a reference, refusing one past the last row or column."""
        if int(number) > self.limits.max_rows:
            raise self._too_many_rows()
        try:
            column = column_index_from_string(letters.decode("ascii").upper())
        except ValueError:
            column = self.limits.max_columns + 1
        if column > self.limits.max_columns:
            raise refuse(
                "columns",
                f"the sheet uses columns past the {self.limits.max_columns}th",
                limit=self.limits.max_columns,
            )
        return column

    def _too_many_rows(self) -> InvalidInput:
        return refuse(
            "rows",
            f"the sheet has more than {self.limits.max_rows} rows",
            limit=self.limits.max_rows,
        )


def _readable(start: bytes) -> bool:
    """Whether the part's bytes can be scanned as ASCII (no BOM of UTF-16/32, no other coding)."""
    if start.startswith(_WIDE_BOMS) or b"\x00" in start[:4]:
        return False
    declared = _ENCODING.match(start.removeprefix(b"\xef\xbb\xbf").lstrip())
    return declared is None or declared.group(1).lower() in _ASCII_LIKE


def _scan(package: zipfile.ZipFile, member: zipfile.ZipInfo, limits: XlsxLimits) -> None:
    """One streaming pass over an XML part; at most one chunk and a tag's tail in memory."""
    name = member.filename.lower()
    worksheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
    sheet = _Sheet(member.filename, limits, worksheet)
    carry = b""
    first = True
    try:
        with package.open(member) as stream:
            while chunk := stream.read(CHUNK):
                if first and not _readable(chunk):
                    raise refuse(
                        "encoding",
                        f"part {member.filename} is not UTF-8 XML",
                        part=member.filename,
                    )
                first = False
                text = carry + chunk
                cut = text.rfind(b"<")
                if cut <= 0 or len(text) - cut > 4096:
                    cut = len(text)
                sheet.feed(text[:cut])
                carry = text[cut:]
            sheet.feed(carry)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError):
        raise InvalidInput(
            "the file is not an Excel workbook (.xlsx)", errors={"file": "not xlsx"}
        ) from None

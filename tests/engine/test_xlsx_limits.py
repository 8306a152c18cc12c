"""An uploaded .xlsx is checked against bounds before openpyxl reads it (engine.xlsx_limits)."""

from __future__ import annotations

import io
import time

import pytest

from engine import xlsx_limits
from engine.errors import InvalidInput
from engine.targets import excel
from tests.support import hostile_xlsx as hostile
from tests.support.target_workbooks import ministry_template, provincial_export

HOSTILE = {
    "a million empty rows": (hostile.million_rows, "rows"),
    "a million rows of cells": (lambda: hostile.million_rows(with_cells=True), "unpacked"),
    "more rows than allowed": (lambda: hostile.rows(5_001), "rows"),
    "a cell in the last row": (lambda: hostile.far_cell("A1048576"), "rows"),
    "a cell in the last column": (lambda: hostile.far_cell("XFD1"), "columns"),
    "a merged range of 200,000 cells": (lambda: hostile.merged("A1:GR1000"), "merged"),
    "a merged whole sheet": (lambda: hostile.merged("A1:XFD1048576"), "rows"),
    "a DOCTYPE in the sheet": (lambda: hostile.with_doctype(hostile.plain_package()), "doctype"),
    "a DOCTYPE in the workbook part": (
        lambda: hostile.with_doctype(hostile.plain_package(), "xl/workbook.xml"),
        "doctype",
    ),
    "a zip bomb": (lambda: hostile.bomb(hostile.plain_package()), "ratio"),
    "XML in UTF-16": (lambda: hostile.utf16(hostile.plain_package()), "encoding"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_package_is_refused_naming_why_at_once(name):
    build, reason = HOSTILE[name]
    data = build()
    started = time.monotonic()
    with pytest.raises(InvalidInput) as refused:
        excel.load(data)
    # Unbounded, these never finished or took all memory; refused, in milliseconds.
    assert time.monotonic() - started < 5.0
    assert refused.value.key == f"xlsx.{reason}"
    assert refused.value.errors == {"xlsx": reason}
    assert refused.value.message.startswith("nothing was imported: ")


def test_the_workbooks_in_use_are_within_the_bounds():
    for book in (ministry_template(), provincial_export()):
        buffer = io.BytesIO()
        book.save(buffer)
        xlsx_limits.check(buffer.getvalue())
        assert excel.load(buffer.getvalue()).rows
    xlsx_limits.check(hostile.rows(5_000))
    xlsx_limits.check(hostile.merged("A1:J500"))


def test_the_limits_are_what_the_caller_configures():
    data = hostile.rows(50)
    xlsx_limits.check(data)
    with pytest.raises(InvalidInput) as refused:
        xlsx_limits.check(data, xlsx_limits.XlsxLimits(max_rows=49))
    assert refused.value.params == {"limit": 49}
    with pytest.raises(InvalidInput, match="unpacks to more than 0 MB"):
        xlsx_limits.check(data, xlsx_limits.XlsxLimits(max_unpacked=1000))


def test_a_member_that_lies_about_its_size_is_not_a_workbook():
    data = bytearray(hostile.plain_package())
    # The central directory's uncompressed size of the first member, made smaller than it is.
    at = data.find(b"PK\x01\x02")
    data[at + 24 : at + 28] = (1).to_bytes(4, "little")
    with pytest.raises(InvalidInput):
        excel.load(bytes(data))


def test_not_a_zip_is_not_a_workbook():
    with pytest.raises(InvalidInput) as refused:
        excel.load(b"junk")
    assert refused.value.errors == {"file": "not xlsx"}

"""What a person reads on a page, as the language and number checks see it."""

from __future__ import annotations

import re

WORD = re.compile(r"[A-Za-z]{2,}")
# Names of formats and standards, the same in both languages.
KEPT = {"API", "BPMN", "DMN", "Excel", "OpenAPI", "JSON", "FEEL", "ID", "PDF", "English"}
# A number written with an exponent (1E+2, 3E+5, 2e-3): Decimal and float both sign it.
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+-]\d+(?![\w.])")


def english_sentences(text: str) -> list[str]:
    """Lines of visible text that are ASCII only and read as words (three or more)."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line.isascii() and len([w for w in WORD.findall(line) if w not in KEPT]) >= 3:
            found.append(line)
    return found

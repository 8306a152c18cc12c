"""The one way a download names its file: `Content-Disposition: attachment` with a plain ASCII
`filename` and the exact name as RFC 6266 / RFC 5987 `filename*`.

File names come from people (a deployed BPMN file, a project code typed into a form): quotes,
semicolons, line breaks or folders in them must never reach the header as written.
"""

from __future__ import annotations

from urllib.parse import quote

from engine.attachments import clean_file_name


def attachment_disposition(name: str, fallback: str = "download") -> str:
    """`attachment; filename="…"; filename*=UTF-8''…` for `name`, cleaned first."""
    cleaned = clean_file_name(name) or fallback
    plain = "".join(ch for ch in cleaned if ch.isascii() and ch not in '"\\;') or fallback
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(cleaned, safe='')}"

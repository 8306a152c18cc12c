"""What the API and the pages share about attachments: the configured limits, a size check
before anything reads an upload's body, refusals in the user's language, and the download."""

from __future__ import annotations

import io
import os

from flask import Flask, current_app, request, send_file

from engine.attachments import AttachmentLimits, size_text
from engine.errors import BudgetloopError, TooLarge
from web.i18n import translate

MAX_BYTES_VAR = "BUDGETLOOP_ATTACHMENT_MAX_BYTES"
MAX_FILES_VAR = "BUDGETLOOP_ATTACHMENT_MAX_FILES"
# Room for the multipart envelope and the form's other fields around the file itself.
ENVELOPE = 256 * 1024
# The endpoints that take a file; set by the modules that define them.
UPLOAD_ENDPOINTS: set[str] = set()


def init_app(app: Flask) -> None:
    defaults = AttachmentLimits()
    app.config.setdefault(MAX_BYTES_VAR, int(os.environ.get(MAX_BYTES_VAR) or defaults.max_bytes))
    app.config.setdefault(MAX_FILES_VAR, int(os.environ.get(MAX_FILES_VAR) or defaults.max_files))
    # Registered before the CSRF and text guards (web/app.py): they read the form, which would
    # otherwise spool a body of any size before the view could refuse it.
    app.before_request(_bound_upload)


def limits() -> AttachmentLimits:
    config = current_app.config
    return AttachmentLimits(int(config[MAX_BYTES_VAR]), int(config[MAX_FILES_VAR]))


def _bound_upload() -> None:
    if request.endpoint not in UPLOAD_ENDPOINTS:
        return
    bound = limits().max_bytes + ENVELOPE
    # A body without a length (chunked) is cut off by werkzeug at `bound` while it is parsed.
    request.max_content_length = bound
    if request.content_length is not None and request.content_length > bound:
        message = translate("att.error.too_large", limit=size_text(limits().max_bytes))
        raise TooLarge(message, errors={"file": [message]})


def in_user_language(error: BudgetloopError, area: str = "att") -> BudgetloopError:
    """The engine's refusal of a file (area "att") or a draft ("draft"), reworded in the
    user's language: same class, so the same status; other errors as they are."""
    reason = getattr(error, "reason", None)
    if reason is None:
        return error
    message = translate(f"{area}.error.{reason}", **getattr(error, "params", {}))
    field = next(iter(error.errors), "file")
    return type(error)(message, errors={field: [message]})


def download(attachment, content: bytes):
    """The file as an attachment: RFC 5987 filename* for any name, never rendered inline."""
    response = send_file(
        io.BytesIO(content),
        mimetype=attachment.media_type,
        as_attachment=True,
        download_name=attachment.file_name,
        etag=attachment.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

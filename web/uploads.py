"""What the API and the pages share about attachments: the configured limits, a size check
before anything reads an upload's body, refusals in the user's language, and the download."""

from __future__ import annotations

import io
import os

from flask import Flask, current_app, request, send_file

from engine.attachments import AttachmentLimits, size_text
from engine.errors import BudgetloopError, TooLarge
from web.errors import payload
from web.i18n import catalogue, translate

MAX_BYTES_VAR = "BUDGETLOOP_ATTACHMENT_MAX_BYTES"
MAX_FILES_VAR = "BUDGETLOOP_ATTACHMENT_MAX_FILES"
# Room for the multipart envelope and the form's other fields around the file itself.
ENVELOPE = 256 * 1024
# The endpoints that take a file (by POST); set by the modules that define them.
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


def _bound_upload():
    if request.method != "POST" or request.endpoint not in UPLOAD_ENDPOINTS:
        return None
    bound = limits().max_bytes + ENVELOPE
    if request.content_length is None:
        # Browsers and HTTP clients state an upload's length; a body without one (chunked)
        # could only be judged by reading it, so it is refused before anything reads it.
        message = translate("problem.attachment.length_required")
        return payload("length_required", 411, message, {"file": [message]})
    # The app's own cap (MAX_CONTENT_LENGTH) is for other requests: a file may be larger.
    request.max_content_length = bound
    if request.content_length > bound:
        limit = size_text(limits().max_bytes)
        message = translate("problem.attachment.too_large", limit=limit)
        error = TooLarge(message, errors={"file": [message]})
        error.key, error.params = "attachment.too_large", {"limit": limit}
        raise error


def in_user_language(error: BudgetloopError) -> BudgetloopError:
    """An engine refusal with a `key` (a file's, a draft's) with its message already in the
    user's language, for clients of the message as it is; the key and params stay with it."""
    key = getattr(error, "key", None)
    if not key or f"problem.{key}" not in catalogue():
        return error
    params = getattr(error, "params", {})
    message = translate(f"problem.{key}", **params)
    field = next(iter(error.errors), "file")
    worded = type(error)(message, errors={field: [message]})
    worded.key, worded.params = key, params
    return worded


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

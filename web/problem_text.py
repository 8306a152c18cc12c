"""Problems said in the user's language: engine errors, form problems, HTTP refusals.

The engine and marshmallow speak English (what the CLI and the logs show). Here, in one place,
that English becomes the request's language:

- an error with a `key` is the message `problem.<key>`, filled in with its `params`;
- a text the catalogue knows (marshmallow's standard messages `mm.*`, the forms' own problems
  `form.problem.*`, the engine's frequent refusals `problem.*`) is found by its English wording,
  whose `{name}` slots give the params for the other language;
- anything else keeps its English on English pages, and on Chinese pages gives way to a plain
  statement of the kind of problem (`problem.fallback.<code>`): an English sentence there helps
  no one, and the field errors next to it still say where.
"""

from __future__ import annotations

import logging
import re
import string
from functools import cache

from engine.errors import BudgetloopError
from engine.forms.problems import PROBLEMS
from web.i18n import catalogue, current_language, translate

log = logging.getLogger(__name__)

# Catalogue areas whose English text is also the pattern that recognises a problem.
PATTERN_PREFIXES = ("mm.", "form.problem.", "problem.")
# ... but not these: the words are reason codes, the others have no English wording to find.
NOT_PATTERNS = ("problem.word.", "problem.fallback.", "problem.rejected", "problem.separator")
# Problems longer than this are not matched (bounded work for any input).
MAX_MATCHED = 2000


def say(error: BudgetloopError) -> str:
    """The error's message in the user's language."""
    key = f"problem.{error.key}" if getattr(error, "key", None) else None
    if key and key in catalogue():
        try:
            return translate(key, **{k: _shown(v) for k, v in error.params.items()})
        except (KeyError, IndexError, ValueError):
            log.warning("message %s cannot take params %s", key, error.params)
    problems = error.errors.get("problems") if isinstance(error.errors, dict) else None
    if _described(problems):
        # A deployment's refusal: its problems are already in the user's language.
        lines = [p["message"] for p in problems]
        separator = translate("problem.separator")
        shown = separator.join(lines[:5]) + (f"{separator}…" if len(lines) > 5 else "")
        return translate("problem.rejected", count=len(lines), problems=shown)
    found = match(error.message)
    if found is not None:
        return found
    if current_language() == "en":
        return error.message
    log.info("no %s wording for: %s", current_language(), error.message)
    fallback = f"problem.fallback.{error.code}"
    return translate(fallback if fallback in catalogue() else "problem.fallback.error")


def say_text(text: str) -> str:
    """One English problem text in the user's language, or as it is if none is known."""
    found = match(text)
    return text if found is None else found


def say_errors(errors, *, words: bool = False):
    """Field errors with every known problem text in the user's language (same shape).

    `words`: also the short reason codes ("required", "not found", …) that the API keeps as
    codes for its clients but a page shows to people.
    """
    if isinstance(errors, dict):
        return {key: say_errors(value, words=words) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [say_errors(value, words=words) for value in errors]
    if isinstance(errors, str):
        found = match(errors)
        if found is not None:
            return found
        word = f"problem.word.{errors}"
        if words and word in catalogue():
            return translate(word)
    return errors


def match(text: str) -> str | None:
    """`text` in the user's language when the catalogue knows its English wording."""
    if not isinstance(text, str) or len(text) > MAX_MATCHED:
        return None
    code = _form_codes().get(text)
    if code is not None and f"form.problem.{code}" in catalogue():
        return translate(f"form.problem.{code}")
    for pattern, key in _patterns():
        found = pattern.fullmatch(text)
        if found is None:
            continue
        try:
            return translate(key, **found.groupdict())
        except (KeyError, IndexError, ValueError):  # a wording that names other slots
            log.warning("message %s cannot be filled from %r", key, text)
    return None


def _described(problems) -> bool:
    return (
        isinstance(problems, list)
        and bool(problems)
        and all(isinstance(p, dict) and isinstance(p.get("message"), str) for p in problems)
        and all("file" in p for p in problems)
    )


def _shown(value) -> str:
    return str(value)


@cache
def _form_codes() -> dict[str, str]:
    return {text: code for code, text in PROBLEMS.items()}


@cache
def _patterns() -> list[tuple[re.Pattern, str]]:
    """Each pattern message's English text as a regular expression, most specific first."""
    compiled = []
    for key, entry in catalogue().items():
        if not key.startswith(PATTERN_PREFIXES) or key.startswith(NOT_PATTERNS):
            continue
        english, literal = _regex(entry["en"])
        compiled.append((literal, re.compile(english, re.DOTALL), key))
    compiled.sort(key=lambda item: -item[0])
    return [(pattern, key) for _literal, pattern, key in compiled]


def _regex(template: str) -> tuple[str, int]:
    """A `str.format` template as a regex (each `{name}` any text); its literal length."""
    parts, literal, seen = [], 0, set()
    for text, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(text))
        literal += len(text)
        if name is None:
            continue
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            parts.append(f"(?P<{name}>.+?)")
            seen.add(name)
    return "".join(parts), literal

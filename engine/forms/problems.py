"""The forms' own problems: a code for each, with its English text.

Forms raise the English text (the CLI and logs show it); the web finds the code by the text and
says it in the user's language (message `form.problem.<code>` in web/messages). A test holds
every code to its catalogue entry, so a text changed here cannot silently lose its translation.
"""

from __future__ import annotations

PROBLEMS: dict[str, str] = {
    "not_a_number": "must be a number",
    "share": "a share between 0 and 1",
    "percent": "a percentage between 0 and 100",
    "scored_once": "each indicator is scored once",
    "negative": "cannot be negative",
    "unstorable": "contains a NUL or invalid Unicode",
    "actual_or_band": "give the actual value to date, or the band for a qualitative indicator",
    "shortfall_reason": "a shortfall needs a deviation reason",
    "explain_in_note": "explain the deviation in a note",
    "indicator_once": "each indicator may appear once",
    "explain_deviation": "explain the deviation and what you will do",
    "say_change": "say what to change and why",
    "reallocation_amount": "a reallocation needs the amount to move",
    "say_rectified": "say what was rectified and how",
    "return_says_missing": "a return must say what is still missing",
    "confirm_or_override": "confirm the decision or override its factor",
    "override_reason": "an override needs a reason",
    "return_needs_comment": "a return needs a comment saying what to change",
}


def problem(code: str) -> str:
    """The English text of the form problem `code`."""
    return PROBLEMS[code]

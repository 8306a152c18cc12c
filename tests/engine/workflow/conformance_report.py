"""What happened to each file of the conformance corpus, problems sorted by reason, and the
counts printed at the end of the run."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from tests.engine.workflow.conformance_corpus import FILES

CATEGORIES = [
    ("user task without role", re.compile(r"user task has no role")),
    ("user task with unknown role", re.compile(r"unknown role '")),
    (
        "unknown service operation",
        re.compile(
            r"unknown service operation|Service Task must have|service task has no operation"
        ),
    ),
    ("script task without a script", re.compile(r"script task has no script")),
    ("user task form not registered", re.compile(r"form '[^']*' is not registered")),
    ("form outcome without a path", re.compile(r"reaches no path|takes the same path as")),
    (
        "expression outside the safe grammar",
        re.compile(
            r"^(script|prescript|postscript|condition|parameter|cardinality|completion condition|"
            r"loop condition|input|output|cell|timer expression|payload expression)\b.*"
            r"(not allowed|only)"
        ),
    ),
    ("invalid timer", re.compile(r"^timer ")),
    (
        "called process not deployed",
        re.compile(r"which is not deployed|No DMN Diagram available|neither deployed nor"),
    ),
    ("XML/XSD invalid", re.compile(r"not well-formed|duplicate id|DOCTYPE|\(line \d+\)")),
    ("no executable process / no decision", re.compile(r"no executable process|has no decision")),
    (
        "not BPMN / DMN version not 1.3",
        re.compile(r"not a BPMN|DMN version|default namespace|no decision table"),
    ),
    ("recursive call activity", re.compile(r"recursive call activities")),
    ("DMN hit policy/overlap", re.compile(r"hit policy|rules overlap")),
    ("DMN file with several decisions", re.compile(r"a DMN file may hold only one")),
    (
        "BPMN construct the library refuses",
        re.compile(
            r"Data Store|data stores are not supported|Cancel Events|multiinstance task must|"
            r"loopMaximum|Loop Tasks|more than one outgoing sequence flow|"
            r"not a data object reference"
        ),
    ),
    ("library cannot parse/check it", re.compile(r"cannot be parsed|cannot be checked")),
]
OTHER = "other"


def classify(reason: str) -> str:
    """The category of one problem's reason."""
    for name, pattern in CATEGORIES:
        if pattern.search(reason):
            return name
    return OTHER


# ---- the report ------------------------------------------------------------------------------


@dataclass
class FileResult:
    """What happened to one file."""

    name: str
    deployed: str = ""  # accepted, accepted with siblings, rejected
    categories: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    siblings: list[str] = field(default_factory=list)
    outcome: str = ""  # completed, waiting: …, incident: data missing, incident: other, hung
    detail: str = ""
    tasks: int = 0
    timers: int = 0


RESULTS: dict[str, dict[str, FileResult]] = defaultdict(dict)


def summary(results: dict[str, FileResult]) -> list[str]:
    """The counts: deployment results, rejections by reason, outcomes of the runs."""
    deployed = Counter(r.deployed for r in results.values())
    rejected = [r for r in results.values() if r.deployed == "rejected"]
    first = Counter(r.categories[0] for r in rejected if r.categories)
    anywhere = Counter(c for r in rejected for c in set(r.categories))
    tried = "files" if len(results) == len(FILES) else f"files (of {len(FILES)}; -k ran a part)"
    lines = [f"{tried:<46} {len(results):>5}"]
    for status in ("accepted", "accepted with siblings", "rejected", ""):
        if deployed[status]:
            lines.append(f"  {status or 'did not finish':<44} {deployed[status]:>5}")
    lines.append(f"{'rejected, by reason (first problem; any)':<46} {'first':>5} {'any':>5}")
    for category, count in sorted(first.items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"  {category:<44} {count:>5} {anywhere[category]:>5}")
    for category in sorted(set(anywhere) - set(first)):
        lines.append(f"  {category:<44} {0:>5} {anywhere[category]:>5}")
    outcomes = Counter(r.outcome for r in results.values() if r.outcome)
    lines.append(f"{'accepted BPMN files started with no data':<46} {sum(outcomes.values()):>5}")
    for outcome, count in sorted(outcomes.items()):
        lines.append(f"  {outcome:<44} {count:>5}")
    return lines


def details(results: dict[str, FileResult]) -> list[str]:
    lines = []
    for name in sorted(results):
        r = results[name]
        text = f"{name}: {r.deployed or 'did not finish'}"
        if r.siblings:
            text += f" (second attempt with {', '.join(r.siblings)})"
        if r.outcome:
            text += f" -> {r.outcome} [{r.tasks} tasks, {r.timers} timers]"
        lines.append(text)
        lines += [f"    problem: {problem}" for problem in r.problems]
        if r.detail:
            lines.append(f"    {r.detail}")
    return lines

"""The conformance corpus (SpiffWorkflow's own BPMN/DMN test files), read from its XML: what each
file provides and calls, and the files of its data folder that provide what it calls."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from bpmn.xml import BPMN_NS, Source

SHARED = Path(os.environ.get("BUDGETLOOP_SHARED") or Path(__file__).resolve().parents[4] / "shared")
CORPUS = SHARED / "conformance" / "spiffworkflow"

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"


# ---- the corpus ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusFile:
    """A definition file of the corpus, with what it provides and calls (read from its XML)."""

    name: str  # the path inside the corpus: unique, and what every message names
    path: Path
    processes: tuple[str, ...]  # executable processes in document order
    provides: frozenset[str]  # executable processes and decisions
    needs: frozenset[str]  # called processes and decisions it does not contain itself

    @property
    def folder(self) -> str:
        """The data folder whose files may be deployed with it (e.g. `spiff/data`)."""
        return "/".join(self.name.split("/")[:2])


def _read(path: Path, name: str) -> CorpusFile:
    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError:
        return CorpusFile(name, path, (), frozenset(), frozenset())
    ids = {node.get("id") for node in root.iter() if isinstance(node.tag, str) and node.get("id")}
    processes = tuple(
        node.get("id")
        for node in root.iter(f"{{{BPMN_NS}}}process")
        if node.get("isExecutable", "false").lower() == "true" and node.get("id")
    )
    decisions = {
        node.get("id")
        for node in root.iter()
        if isinstance(node.tag, str) and etree.QName(node).localname == "decision"
    }
    needs = {node.get("calledElement") for node in root.iter(f"{{{BPMN_NS}}}callActivity")}
    needs |= {(node.text or "").strip() for node in root.iter(f"{{{SPIFF_NS}}}calledDecisionId")}
    needs |= {node.get(f"{{{CAMUNDA_NS}}}decisionRef") for node in root.iter()}
    return CorpusFile(
        name,
        path,
        processes,
        frozenset(set(processes) | decisions) - {None},
        # A call to an element of the file itself (an embedded subprocess) needs nothing more.
        frozenset(needs - ids - {None, ""}),
    )


def _corpus() -> dict[str, CorpusFile]:
    if not CORPUS.is_dir():
        return {}
    paths = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".bpmn", ".dmn") and p.is_file())
    files = {}
    for path in paths:
        name = path.relative_to(CORPUS).as_posix()
        files[name] = _read(path, name)
    return files


FILES = _corpus()


def _closeness(one: CorpusFile, other: CorpusFile) -> tuple[int, int, str]:
    """Sort key: fewest folders apart, then the longest common file-name prefix, then name."""
    a, b = Path(one.name).parent.parts, Path(other.name).parent.parts
    common = len(os.path.commonprefix([a, b]))
    prefix = len(os.path.commonprefix([Path(one.name).name, Path(other.name).name]))
    return (len(a) + len(b) - 2 * common, -prefix, other.name)


def siblings(corpus: CorpusFile) -> list[CorpusFile]:
    """The files of the same data folder that provide what `corpus` calls, transitively."""
    chosen: dict[str, CorpusFile] = {}
    provided = set(corpus.provides)
    pending = sorted(corpus.needs)
    while pending:
        wanted = pending.pop(0)
        if wanted in provided:
            continue
        candidates = [
            other
            for other in FILES.values()
            if other.folder == corpus.folder
            and other.name != corpus.name
            and wanted in other.provides
        ]
        if not candidates:
            continue
        best = min(candidates, key=lambda other: _closeness(corpus, other))
        chosen[best.name] = best
        provided |= best.provides
        pending.extend(sorted(best.needs))
    return [chosen[name] for name in sorted(chosen)]


def source(corpus: CorpusFile) -> Source:
    return Source(corpus.name, corpus.path.read_text(encoding="utf-8"))

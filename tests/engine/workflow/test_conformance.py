"""Conformance: SpiffWorkflow's own BPMN/DMN test files, deployed and run through the engine.

The corpus (`../shared/conformance/spiffworkflow`, LGPL, used as data only, never copied here)
was written by others for another purpose. For every file, on every backend:

- Deploying it alone, in a fresh database and transaction, either succeeds or raises
  `DefinitionRejected` whose problems each name the file and a reason, and an element unless
  the problem concerns the whole file. Any other exception fails the test.
- A file rejected *only* because it calls a process or decision it does not contain gets a
  second attempt: one deployment together with the files of its data folder (`bpmn/data`,
  `spiff/data`, …) that provide what it calls, transitively, the nearest folder and the most
  similar name first — the way SpiffWorkflow's own tests load them.
- An accepted BPMN file's primary process (its first executable process) is started with no
  data and driven: ready human tasks are completed with empty forms by an operator, the clock
  jumps to each due timer, within bounds. It must end completed, waiting (user task, timer,
  message, signal…) or with an incident whose error says a datum was missing — i.e. its tasks
  needed data. A command that runs for more than COMMAND_SECONDS fails the test.

Every file is a test of its own, so a failure names it. The counts are printed at the end
(`pytest -s`) and, with every file's problems and outcome, written to
tests/artifacts/conformance.txt. Set BUDGETLOOP_SHARED to the shared folder when it does not
sit beside the clone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.workflow.conformance_corpus import CORPUS, FILES, siblings
from tests.engine.workflow.conformance_report import (
    RESULTS,
    FileResult,
    classify,
    details,
    summary,
)
from tests.engine.workflow.conformance_run import _attempt, _check_problems, _drive

ARTIFACT = Path(__file__).resolve().parents[2] / "artifacts" / "conformance.txt"


@pytest.fixture(scope="module")
def report():
    """Print and write the summary once every file has been tried."""
    yield RESULTS
    if not RESULTS:
        return
    head, body = [f"Conformance corpus: {CORPUS}"], []
    for backend in sorted(RESULTS):
        head += ["", f"== {backend} ==", *summary(RESULTS[backend])]
        body += ["", f"== {backend}: every file ==", *details(RESULTS[backend])]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(head + body) + "\n", encoding="utf-8")
    print("\n" + "\n".join(head) + f"\n(every file: {ARTIFACT})")


# ---- the test --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(FILES) or ["(corpus missing)"])
def test_file_deploys_and_runs(name, backend, sessions, wf, clock, report):
    if not FILES:
        # A clone away from ../shared still passes its own tests; the corpus is someone else's.
        pytest.skip(
            f"the conformance corpus is not at {CORPUS}; set BUDGETLOOP_SHARED to the folder "
            "that holds conformance/spiffworkflow"
        )
    corpus = FILES[name]
    result = report[backend][name] = FileResult(name)
    rejected = _attempt(sessions, wf, [corpus])
    if rejected is None:
        result.deployed = "accepted"
    else:
        result.deployed = "rejected"
        result.problems = [str(p) for p in rejected.problems]
        result.categories = [classify(p.reason) for p in rejected.problems]
        _check_problems(name, rejected)
        extra = siblings(corpus)
        if set(result.categories) == {"called process not deployed"} and extra:
            result.siblings = [f.name for f in extra]
            again = _attempt(sessions, wf, [corpus, *extra])
            if again is None:
                result.deployed = "accepted with siblings"
            else:
                _check_problems(name, again)
                result.detail = "second attempt: " + "; ".join(str(p) for p in again.problems)
    if result.deployed == "rejected" or not corpus.processes:
        return  # rejected, or a DMN file: nothing to start

    _drive(sessions, wf, clock, result, corpus.processes[0])

    if result.outcome == "incident: other":
        pytest.fail(f"{name}: not about missing data: {result.detail}", pytrace=False)
    if result.outcome == "waiting: nothing":
        pytest.fail(f"{name}: the instance is running but waits for nothing", pytrace=False)
    assert result.outcome in ("completed", "incident: data missing") or result.outcome.startswith(
        "waiting: "
    ), result

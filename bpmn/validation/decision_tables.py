"""Decision tables, in a DMN file or behind a business-rule task: a supported hit policy, safe
input expressions, cells read the way the engine reads them, and UNIQUE rules that cannot both
match."""

from __future__ import annotations

from bpmn import decisions, dmn_overlap
from bpmn.validation.file_check import FileCheck

SUPPORTED_HIT_POLICIES = ("UNIQUE", "COLLECT")


def check_decision(check: FileCheck, decision_id: str) -> None:
    decision = check.catalogue.decision(decision_id)
    for table in decision.decisionTables:
        check_table(check, decision_id, table)


def check_table(check: FileCheck, element: str, table) -> None:
    if table.hit_policy not in SUPPORTED_HIT_POLICIES:
        check.error(
            element,
            f"hit policy {table.hit_policy} is not supported (use UNIQUE or COLLECT)",
            "hit_policy",
            policy=table.hit_policy,
        )
    for column in table.inputs:
        check.expression(element, f"input '{column.label or column.id}'", column.expression)
    if len(table.rules) > dmn_overlap.MAX_RULES:
        check.error(
            element,
            f"the decision table has {len(table.rules)} rules, more than the maximum of "
            f"{dmn_overlap.MAX_RULES}; split it into several decisions",
            "too_many_rules",
            rules=len(table.rules),
            max=dmn_overlap.MAX_RULES,
        )
        return
    rows = []
    for rule in table.rules:
        cells = []
        for entry in rule.inputEntries:
            texts = [text for text in entry.lhs if text not in (None, "", "-")]
            cells.append(texts[0] if len(texts) == 1 else (None if not texts else "?"))
            for text in texts:
                _cell(check, element, rule, entry.input, text)
        rows.append(cells)
        for entry in rule.outputEntries:
            _cell(check, element, rule, entry.output, entry.text, output=True)
    if table.hit_policy == "UNIQUE":
        columns = [column.label or column.expression or column.id for column in table.inputs]
        try:
            overlaps = dmn_overlap.find_overlaps(columns, rows)
        except dmn_overlap.TooManyComparisons as error:
            check.error(
                element,
                f"UNIQUE {error}",
                "overlap_check_too_large",
                rules=error.rules,
                comparisons=error.comparisons,
                max=error.maximum,
            )
            return
        for overlap in overlaps:
            code = "unique_overlap"
            if overlap.unknown:
                code = "unique_overlap_unknown"
            elif not overlap.example:
                code = "unique_overlap_any"
            check.error(
                element,
                f"UNIQUE rules overlap: {overlap.reason}",
                code,
                first=overlap.first,
                second=overlap.second,
                example=overlap.example,
                cells=overlap.cells,
                detail=overlap.unknown,
                unknowns=[
                    {"column": u.column, "cell": u.cell, "code": u.code, "reason": u.reason}
                    for u in overlap.unknowns
                ],
            )


def _cell(check: FileCheck, element: str, rule, column, text, output: bool = False) -> None:
    # The same reading of a cell as the engine's (bpmn/decisions.py): FEEL, else Python-style.
    if output:
        problem = decisions.output_problem(text)
    else:
        problem = decisions.cell_problem(text, column.expression)
    if problem is None:
        return
    name = column.label or column.name or getattr(column, "expression", None) or column.id
    kind = "output" if output else "input"
    check.error(
        rule.id,
        f"decision table of '{element}', rule {rule.row_number}, {kind} column '{name}': "
        f"cell {str(text)[:80]!r} {problem.reason}",
        problem.code,
        decision=element,
        rule=rule.row_number,
        column=name,
        cell=str(text)[:80],
        **problem.params,
    )

"""JUEL conditions from Camunda, Flowable and Activiti exports: recognised, rewritten when a
plain rewrite of the operators reaches the safe grammar, never evaluated."""

from __future__ import annotations

import pytest

from bpmn import expressions, juel, role_aliases
from engine import identity


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("${approved}", "approved"),
        ("${amount > 1000 && !urgent}", "amount > 1000 and not urgent"),
        (
            "${outcome eq 'return' || outcome == \"reject\"}",
            "outcome == 'return' or outcome == \"reject\"",
        ),
        ("#{score ge 60 and grade ne 'D'}", "score >= 60 and grade != 'D'"),
        ("${empty comment}", "not comment"),
        ("${flag == true}", "flag == True"),
        # Words inside a string literal stay as written.
        ("${note == 'a && b eq c'}", "note == 'a && b eq c'"),
    ],
)
def test_a_juel_condition_is_rewritten_into_the_safe_grammar(text, suggestion):
    assert juel.is_juel(text)
    assert juel.suggest(text) == suggestion
    expressions.check_expression(suggestion)


@pytest.mark.parametrize(
    "text",
    [
        '${execution.getVariable("amount") > 5}',  # method calls have no safe equivalent
        "${__import__('os')}",
        "${a ? b : c}",
    ],
)
def test_no_suggestion_is_made_outside_the_safe_grammar(text):
    assert juel.is_juel(text) and juel.suggest(text) is None


@pytest.mark.parametrize("text", ["approved", "outcome == 'return'", "'${x}'", ""])
def test_other_text_is_not_juel(text):
    assert not juel.is_juel(text)


@pytest.mark.parametrize(
    ("label", "role"),
    [
        ("主管部门", "department"),
        (" 预算单位 ", "unit"),
        ("财政业务处室", "finance"),
        ("预算绩效管理处", "performance"),
        ("第三方机构", "evaluator"),
        ("监督部门", "supervisor"),
        ("Finance  desk", "finance"),
        ("DEPARTMENT", "department"),
        ("市长办公室", None),
        ("", None),
        (None, None),
    ],
)
def test_lane_labels_and_groups_name_roles(label, role):
    # The engine teaches the BPMN layer its roles when it is composed; a test that meets
    # this one first in its process (a worker of `pytest -n 2`) has composed none yet.
    identity.register(None)
    assert role_aliases.role_for(label) == role

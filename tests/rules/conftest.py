"""Fixtures: a fresh rules host per test and the shipped default rule set."""

from __future__ import annotations

import pytest

from rules import RuleSet, RulesHost, default_ruleset


@pytest.fixture(scope="session")
def default() -> RuleSet:
    return default_ruleset()


@pytest.fixture
def rules_host() -> RulesHost:
    return RulesHost()

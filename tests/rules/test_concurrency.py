"""Eight threads evaluating at once decide exactly what one thread decides, without a crash."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest

from rules import Facts, RulesHost

THREADS, TOTAL = 8, 100_000


def random_facts(rng: random.Random, number: int) -> Facts:
    return Facts(
        project_code=f"2025-{number:07d}",
        year=2025,
        grade=rng.choice([None, "A", "A", "B", "C", "D"]),
        previous_grade=rng.choice([None, "B", "D"]),
        is_continuing=rng.random() < 0.5,
        is_livelihood_exempt=rng.random() < 0.2,
        execution_rate=rng.choice([None, Decimal(rng.randint(0, 1_000)) / 1_000]),
        rectification_overdue=rng.random() < 0.1,
        red_alert_unanswered=rng.random() < 0.1,
    )


@pytest.mark.slow
def test_eight_threads_give_exactly_the_sequential_decisions(default):
    rng = random.Random(8)
    projects = [random_facts(rng, number) for number in range(TOTAL)]
    sequential = RulesHost().evaluate_many(default, projects)

    shared = RulesHost()
    results: dict[int, object] = {}
    errors: list[BaseException] = []

    def worker(offset: int) -> None:
        try:
            for index in range(offset, TOTAL, THREADS):
                if index % 3:  # mix single calls and small batches
                    results[index] = shared.evaluate(default, projects[index])
                else:
                    results[index] = shared.evaluate_many(default, [projects[index]])[0]
        except BaseException as error:  # a thread's exception would otherwise vanish
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(offset,)) for offset in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [results[index] for index in range(TOTAL)] == sequential
    assert shared.restarts == 0

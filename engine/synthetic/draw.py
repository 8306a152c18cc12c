"""Random draws with the distributions of domain.md ("Realistic sizes")."""

from __future__ import annotations

import bisect
import math
import random
from decimal import Decimal

# Project budgets: log-normal with median ¥0.8 m and 95th percentile ¥30 m.
BUDGET_MEDIAN = 800_000
BUDGET_P95 = 30_000_000
BUDGET_SIGMA = math.log(BUDGET_P95 / BUDGET_MEDIAN) / 1.6448536269514722
BUDGET_FLOOR, BUDGET_CEILING = 20_000, 5_000_000_000

CHINESE_ORDINALS = "一二三四五六七八九十"


def budget(rng: random.Random) -> Decimal:
    """A project budget in yuan, rounded to the thousand as budgets are filed."""
    raw = rng.lognormvariate(math.log(BUDGET_MEDIAN), BUDGET_SIGMA)
    clipped = min(max(raw, BUDGET_FLOOR), BUDGET_CEILING)
    return Decimal(int(round(clipped, -3)))


def split_amount(rng: random.Random, total: Decimal, parts: int) -> list[Decimal]:
    """Split `total` into `parts` positive amounts (whole fen) that add up exactly."""
    if parts == 1:
        return [total]
    fen = int(total * 100)
    main_share = rng.uniform(0.6, 0.9)
    main = int(fen * main_share)
    rest = fen - main
    cuts = sorted(rng.randint(1, max(1, rest - 1)) for _ in range(parts - 2))
    pieces = [main] + [b - a for a, b in zip([0, *cuts], [*cuts, rest], strict=True)]
    return [Decimal(piece).scaleb(-2) for piece in pieces]


def split_points(total: int, parts: int) -> list[Decimal]:
    """Split integer points into `parts` near-equal whole-point weights."""
    base, extra = divmod(total, parts)
    return [Decimal(base + (1 if index < extra else 0)) for index in range(parts)]


def weighted_index(rng: random.Random, cumulative: list[float]) -> int:
    """Pick an index from cumulative weights."""
    return bisect.bisect_left(cumulative, rng.random() * cumulative[-1])


def person_name(rng: random.Random, surnames, given_chars) -> str:
    """A plausible Chinese personal name of two or three characters."""
    given = rng.choice(given_chars) + (rng.choice(given_chars) if rng.random() < 0.7 else "")
    return rng.choice(surnames) + given


def ordinal(rng: random.Random) -> str:
    return rng.choice(CHINESE_ORDINALS[:6])

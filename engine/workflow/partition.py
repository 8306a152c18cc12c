"""Which instances a worker owns when several share the background work (issue 12).

Each of `count` workers owns the instances whose id is its `index` modulo `count`: it claims
only their timers and runs only their commands, so the workflows it keeps in memory
(live_workflows.py) are the ones it will run again, and two workers never queue on one
instance's row. The timer claim still locks the instance (SKIP LOCKED), so a command from the
web on an owned instance is as safe as before.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_WORKERS = 64


@dataclass(frozen=True)
class Partition:
    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_WORKERS or not 0 <= self.index < self.count:
            raise ValueError(f"worker {self.index} of {self.count}: 1 to {MAX_WORKERS} workers")

    def owns(self, instance_id: int) -> bool:
        return instance_id % self.count == self.index

    def where(self, instance_id_column):
        """The SQL condition for owned instances, or None when one worker owns them all."""
        return None if self.count == 1 else (instance_id_column % self.count) == self.index


EVERYTHING = Partition()

"""Workflows a process ran last, kept in memory by instance, so that its next command on the same
instance skips deserialising the saved state (issue 12).

An entry is taken out while a command runs on it (two threads never share a workflow) and put
back only when the command has saved: the state text it wrote, and its version, go with it. A
command uses the entry only if the row it read holds exactly that version and that text; a
rolled-back command, a version another process wrote or an edited row all miss, and the state
is read from the row as before. The cache is bounded (least recently used entries go first).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

from engine.errors import ConfigurationError

CAPACITY_VAR = "BUDGETLOOP_LIVE_WORKFLOWS"
DEFAULT_CAPACITY = 2_000
MAX_CAPACITY = 100_000


@dataclass(frozen=True)
class _Entry:
    version: int
    state: str
    workflow: object


class LiveWorkflows:
    def __init__(self, capacity: int | None = None) -> None:
        self.capacity = live_capacity() if capacity is None else capacity
        self._entries: OrderedDict[int, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def take(self, instance_id: int, version: int, state: str):
        """The workflow saved as `state` at `version`, or None; it is no longer kept."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
        if entry is not None and entry.version == version and entry.state == state:
            self.hits += 1
            return entry.workflow
        self.misses += 1
        return None

    def keep(self, instance_id: int, version: int, state: str, workflow) -> None:
        """Keep the workflow a command has just saved as `state` at `version`."""
        if self.capacity <= 0:
            return
        with self._lock:
            self._entries[instance_id] = _Entry(version, state, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def live_capacity(env=None) -> int:
    """BUDGETLOOP_LIVE_WORKFLOWS: how many instances' workflows a process keeps (0: none)."""
    env = os.environ if env is None else env
    raw = (env.get(CAPACITY_VAR) or "").strip()
    if not raw:
        return DEFAULT_CAPACITY
    if not (len(raw) <= 7 and raw.isascii() and raw.isdigit() and int(raw) <= MAX_CAPACITY):
        raise ConfigurationError(
            f"{CAPACITY_VAR} must be a whole number of instances from 0 to {MAX_CAPACITY:,}, "
            f"not {raw[:20]!r}"
        )
    return int(raw)

"""What bench/abuse.py watches while it attacks: a second client acknowledging alerts in a
process of its own, and the workers' resident memory."""

from __future__ import annotations

import multiprocessing
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.served import children_of

# The second client acknowledges one alert, then waits this long (a brisk person).
ACK_PAUSE_S = 0.02


# --- the second client, and the workers' memory ---------------------------------------------


def acknowledge_alerts(base: str, token: str, alert_ids: list[int], log: Path, stop) -> None:
    """The second client, in a process of its own (the attacker's threads share no GIL with it):
    acknowledges open alerts one after another, a line per request in `log`."""
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {token}"
    with log.open("w") as out:
        for alert_id in alert_ids:
            if stop.is_set():
                return
            started = time.monotonic()
            try:
                status = client.post(
                    f"{base}/api/v1/alerts/{alert_id}/acknowledge", json={"version": 1}, timeout=60
                ).status_code
            except requests.RequestException:
                status = 0
            out.write(f"{started}\t{time.monotonic() - started}\t{status}\n")
            out.flush()
            time.sleep(ACK_PAUSE_S)
    raise SystemExit("the second client ran out of alerts: raise ALERT_COPIES")


@dataclass
class SecondClient:
    """The second client's process and what it recorded."""

    base: str
    token: str
    alert_ids: list[int]
    log: Path

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.process = context.Process(
            target=acknowledge_alerts,
            args=(self.base, self.token, self.alert_ids, self.log, self.stop),
        )
        self.process.start()
        while not self.log.exists() or not self.log.read_text():
            time.sleep(0.05)

    def finish(self) -> None:
        self.stop.set()
        self.process.join(timeout=60)

    def between(self, start: float, end: float) -> list[tuple[float, float, int]]:
        samples = []
        for line in self.log.read_text().splitlines():
            started, took, status = line.split("\t")
            if start <= float(started) <= end:
                samples.append((float(started), float(took), int(status)))
        return samples


class Memory:
    """Samples each worker's resident memory (VmRSS) every 20 ms; keeps the largest seen."""

    def __init__(self, master_pid: int) -> None:
        self.master_pid = master_pid
        self.peak = 0.0
        self.stop = threading.Event()

    def by_worker(self) -> dict[int, float]:
        """Each worker's RSS in MiB."""
        sizes = {}
        for pid in children_of(self.master_pid):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            sizes[pid] = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        return sizes

    def largest(self) -> float:
        return max(self.by_worker().values(), default=0.0)

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, self.largest())
            time.sleep(0.02)

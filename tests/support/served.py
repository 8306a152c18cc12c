"""A real server for tests: `budgetloop serve` under gunicorn, in a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

BUDGETLOOP = Path(sys.executable).with_name("budgetloop")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    """The pids of the processes whose parent is `pid` (a gunicorn master's workers)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                children.append(int(entry.name))
    return sorted(children)


class Served:
    """`budgetloop serve --workers N` on a database, stopped at the end."""

    def __init__(
        self, url: str, tmp_path: Path, *, workers: int = 2, env: dict[str, str] | None = None
    ) -> None:
        self.expected_workers = workers
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "gunicorn.log"
        env = {
            **os.environ,
            "BUDGETLOOP_DATABASE_URL": url,
            "BUDGETLOOP_SECRET_KEY": "served-in-a-test",
            "BUDGETLOOP_INSTANCE_DIR": str(tmp_path / "instance"),
            **(env or {}),
        }
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [
                str(BUDGETLOOP),
                "serve",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
            ],
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_up()
        except AssertionError:
            self.stop()
            raise

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(self.workers()) == self.expected_workers:
                try:
                    if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                        return
                except requests.ConnectionError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not start:\n{self.log.read_text()}")

    def workers(self) -> list[int]:
        """The pids of the master's worker processes."""
        return children_of(self.process.pid)

    def served_by(self) -> set[str]:
        """The worker pids that served a completion, from the access log."""
        return {
            line.split("pid=", 1)[1].split()[0]
            for line in self.log.read_text().splitlines()
            if "/complete" in line and "pid=" in line
        }

    def stop(self) -> None:
        # A quick shutdown (SIGINT): a test has nothing in flight worth the graceful wait, and
        # after a test stopped or killed a worker the graceful one can take the whole timeout.
        workers = self.workers()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)  # a worker the master no longer waits for
            except ProcessLookupError:
                pass
        self._log_file.close()

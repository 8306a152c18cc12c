"""Benchmark API latency with a province loaded: the inbox, the alert list and the allocations.

Loads a province (bench/province_data.py: N projects, a Jan–Jul monitoring round and its
alerts, every project's funding decision and allocation, a ready task per project for its unit
and its department), serves it with `budgetloop serve --workers 2`, and has 8 client threads
call one endpoint at a time: a warm-up, then R timed requests each. The baseline, under the same
load in the same run, is `/healthz` (one query and the schema check); `× base` is an endpoint's
p95 over the baseline's p95; `1 client` is the median of one client's sequential requests (the
time a request takes when it does not queue for a worker). Every response must be 200; anything
else is counted as an error. The load average is printed: on a shared machine it explains a lot.

    .venv/bin/python bench/latency.py [--projects 100000] [--requests 50] [--clients 8]
                                      [--postgres]   # also on a throwaway PostgreSQL 15
                                      [--no-sqlite]  # only PostgreSQL (with --postgres)
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import province_data  # noqa: E402
from tests.support.postgres import ThrowawayPostgres  # noqa: E402

BUDGETLOOP = Path(sys.executable).parent / "budgetloop"
GOAL_MS = 50.0
WARM_UP = 3
# Sequential requests by one client: the service time, without queueing for a worker.
ALONE = 20


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    role: str | None  # whose token; None = anonymous
    is_list: bool = True  # the goal (p95 < 50 ms) is for the lists


@dataclass
class Result:
    endpoint: Endpoint
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`budgetloop serve` in a child process, on a free loopback port."""

    def __init__(self, url: str, scratch: Path, workers: int) -> None:
        self.base = ""
        self.url, self.scratch, self.workers = url, scratch, workers

    def __enter__(self) -> Server:
        port = _free_port()
        self.base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "BUDGETLOOP_DATABASE_URL": self.url,
            "BUDGETLOOP_SECRET_KEY": secrets.token_urlsafe(32),
            "BUDGETLOOP_INSTANCE_DIR": str(self.scratch),
        }
        self.log = open(self.scratch / "serve.log", "wb")  # noqa: SIM115 (closed in __exit__)
        self.child = subprocess.Popen(
            [BUDGETLOOP, "serve", "--workers", str(self.workers), "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.child.poll() is not None:
                raise SystemExit(f"the server exited: see {self.scratch / 'serve.log'}")
            try:
                if requests.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise SystemExit("the server did not answer /healthz within 60 s")

    def __exit__(self, *_) -> None:
        self.child.terminate()
        try:
            self.child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()
        self.log.close()


def _client(base: str, token: str | None) -> requests.Session:
    client = requests.Session()
    if token:
        client.headers["Authorization"] = f"Bearer {token}"
    return client


def measure(base: str, endpoint: Endpoint, tokens: dict, clients: int, count: int) -> Result:
    """`clients` threads each send WARM_UP untimed requests and then `count` timed ones."""
    result = Result(endpoint)
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    url = base + endpoint.path
    token = tokens.get(endpoint.role) if endpoint.role else None

    def work() -> None:
        client = _client(base, token)
        for _ in range(WARM_UP):
            client.get(url, timeout=60)
        ready.wait()
        latencies, errors = [], Counter()
        for _ in range(count):
            started = time.perf_counter()
            try:
                response = client.get(url, timeout=60)
                response.content  # noqa: B018 (the whole body counts)
                status = response.status_code
            except requests.RequestException as error:
                status = type(error).__name__
            elapsed = time.perf_counter() - started
            if status == 200:
                latencies.append(elapsed)
            else:
                errors[status] += 1
        with lock:
            result.latencies += latencies
            result.errors.update(errors)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    return result


def endpoints(base: str, loaded: province_data.Loaded) -> list[Endpoint]:
    """What is measured; the deep alert page is the 100th of a list that has at least 100."""
    department = loaded.department_id
    deep = _deep_alert_list(base, loaded.tokens["performance"])
    return [
        Endpoint("baseline /healthz", "/healthz", None, is_list=False),
        Endpoint("inbox (unit)", "/api/v1/tasks/", "unit"),
        Endpoint("inbox (department)", "/api/v1/tasks/", "department"),
        Endpoint("inbox (finance desk)", "/api/v1/tasks/", "finance"),
        Endpoint(
            "alerts red+dept p1 (perf.)",
            f"/api/v1/alerts/?colour=red&department_id={department}&page=1&per_page=50",
            "performance",
        ),
        Endpoint("alerts red p1 (department)", "/api/v1/alerts/?colour=red&page=1", "department"),
        Endpoint(f"alerts {deep[0]} p100 (perf.)", deep[1], "performance"),
        Endpoint("allocations p1 (perf.)", "/api/v1/allocations/?page=1", "performance"),
        Endpoint("allocations p1 (department)", "/api/v1/allocations/?page=1", "department"),
        Endpoint("allocation summary (perf.)", "/api/v1/allocations/summary", "performance", False),
        Endpoint("allocation summary (dept.)", "/api/v1/allocations/summary", "department", False),
    ]


def _deep_alert_list(base: str, token: str) -> tuple[str, str]:
    client = _client(base, token)
    for label, query in (("red", "colour=red&"), ("all", "")):
        first = client.get(f"{base}/api/v1/alerts/?{query}page=1&per_page=50", timeout=120)
        first.raise_for_status()
        if first.json()["pages"] >= 100:
            return label, f"/api/v1/alerts/?{query}page=100&per_page=50"
    raise SystemExit("fewer than 100 pages of alerts: use more --projects")


def report(label: str, results: list[tuple[Result, Result]]) -> None:
    """One line per endpoint: the concurrent figures, then the one-client median."""
    base = results[0][0].percentile(95)
    print(
        f"\n{label}\n{'endpoint':<30} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'req/s':>6} {'× base':>7} {'1 client':>8} {'errors':>6}  goal",
        flush=True,
    )
    for result, alone in results:
        p95 = result.percentile(95)
        goal = ("met" if p95 < GOAL_MS else "MISSED") if result.endpoint.is_list else ""
        errors = result.errors + alone.errors
        print(
            f"{result.endpoint.name:<30} {result.percentile(50):>7.1f} {p95:>7.1f} "
            f"{result.percentile(99):>7.1f} {result.rate:>6.0f} {p95 / base:>7.1f} "
            f"{alone.percentile(50):>8.1f} {sum(errors.values()):>6}  {goal}".rstrip(),
            flush=True,
        )
        if errors:
            print(f"{'':<30} errors: {dict(errors)}", flush=True)


def run(label: str, url: str, scratch: Path, args) -> None:
    started = time.perf_counter()
    loaded = province_data.load(url, args.projects)
    print(
        f"{label}: {args.projects:,} projects loaded in {time.perf_counter() - started:.0f} s: "
        f"{province_data.describe(loaded)}",
        flush=True,
    )
    load_before = os.getloadavg()[0]
    with Server(url, scratch, args.workers) as server:
        measured = [
            (
                measure(server.base, endpoint, loaded.tokens, args.clients, args.requests),
                measure(server.base, endpoint, loaded.tokens, 1, ALONE),
            )
            for endpoint in endpoints(server.base, loaded)
        ]
    report(
        f"{label}, {args.projects:,} projects, {args.workers} workers, {args.clients} clients × "
        f"{args.requests} requests per endpoint (goal: p95 < {GOAL_MS:.0f} ms for the lists); "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after",
        measured,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per client")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="also on a PostgreSQL 15")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    args = parser.parse_args()
    if args.no_sqlite and not args.postgres:
        parser.error("--no-sqlite leaves nothing to measure without --postgres")
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as scratch:
        scratch = Path(scratch)
        if not args.no_sqlite:
            run("sqlite", f"sqlite:///{scratch}/latency.sqlite3", scratch, args)
        if args.postgres:
            with ThrowawayPostgres() as cluster:
                run("postgresql", cluster.url(), scratch, args)


if __name__ == "__main__":
    main()

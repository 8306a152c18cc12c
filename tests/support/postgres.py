"""A throwaway PostgreSQL 15 cluster on loopback, for tests and benchmarks (recipes.md)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PG_BIN = Path(os.environ.get("BUDGETLOOP_PG_BIN", "/usr/lib/postgresql/15/bin"))
# A cluster asked to live in memory does so when /dev/shm has at least this much room.
MEMORY_ROOM = 4 * 2**30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _memory_has_room() -> bool:
    try:
        shm = os.statvfs("/dev/shm")
    except OSError:
        return False
    return shm.f_bavail * shm.f_frsize >= MEMORY_ROOM


class ThrowawayPostgres:
    """Start with `start()`, get URLs from `url(name)`, stop with `stop()` (removes all data);
    or `with ThrowawayPostgres() as cluster:`, which does both.

    With `in_memory=True` (the tests' cluster; never the benchmarks') its files go to /dev/shm
    when there is room there (`self.in_memory` says whether they did), else to /tmp.
    """

    def __init__(self, in_memory: bool = False) -> None:
        self.port = _free_port()
        self.in_memory = in_memory and _memory_has_room()
        parent = "/dev/shm" if self.in_memory else "/tmp"
        self.root = Path(tempfile.mkdtemp(prefix="budgetloop-pg-", dir=parent))
        self.data = self.root / "data"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            # The server refuses to run as root: run it as the postgres system user.
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> ThrowawayPostgres:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL 15 binaries not found in {PG_BIN}: run `make postgres`")
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.root, postgres.pw_uid, postgres.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        if self.in_memory:
            # Checkpoints cost little in memory: keep the write-ahead log small there.
            options += " -c max_wal_size=256MB -c min_wal_size=32MB"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "log"),
            "-w",
            "start",
            "-o",
            options,
        )
        return self

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def handle(self) -> str:
        """What another process needs to reach this running cluster (see `attach`)."""
        return json.dumps({"port": self.port, "root": str(self.root), "memory": self.in_memory})

    @classmethod
    def attach(cls, handle: str) -> ThrowawayPostgres:
        """The cluster another process started and described by `handle()`; stopping it is
        still that process's job."""
        fields = json.loads(handle)
        cluster = cls.__new__(cls)
        cluster.port, cluster.in_memory = fields["port"], fields["memory"]
        cluster.root = Path(fields["root"])
        cluster.data = cluster.root / "data"
        return cluster

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass
        _remove(self.root)


def _remove(root: Path) -> None:
    """Delete a stopped cluster's files. A test run leaves one database per test behind (about
    15 GB of small files after the whole suite); with the file system discarding each freed
    extent, one walk over them took 35-45 s, a database folder per thread about half that."""
    try:
        databases = list((root / "data" / "base").iterdir())
    except OSError:
        databases = []
    with ThreadPoolExecutor(max_workers=16) as pool:
        for database in databases:
            pool.submit(shutil.rmtree, database, ignore_errors=True)
    shutil.rmtree(root, ignore_errors=True)

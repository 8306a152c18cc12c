"""The hostile inputs of issue 10 that bench/abuse.py sends, each built before anything is
timed, and what the attacker knows of its target."""

from __future__ import annotations

import io
import json
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import requests
from sqlalchemy import create_engine, text

from tests.bpmn.test_dmn_cells_deploy import _table as dmn_table
from tests.bpmn.test_validation_bounds import _disjoint_rules, _timer_bpmn
from tests.rules.many_rules import many_rules
from tests.support import hostile_xlsx
from tests.support.world import PASSWORD, World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Target:
    """What the attacker knows: the server, the accounts, a table the unit is filing."""

    base: str
    port: int
    world: World
    table_id: int
    table_version: int
    url: str
    loop_instance: int

    def headers(self, role: str) -> dict[str, str]:
        return self.world.headers(role)


@dataclass(frozen=True)
class Hostile:
    name: str
    send: Callable[[Target], list[int]]  # the statuses of the request(s) it made


# --- the hostile inputs ---------------------------------------------------------------------


def _upload(target: Target, name: str, data: bytes) -> list[int]:
    response = requests.post(
        f"{target.base}/api/v1/target-tables/{target.table_id}/excel",
        params={"version": target.table_version},
        files={"file": (name, io.BytesIO(data), XLSX)},
        headers=target.headers("unit"),
        timeout=120,
    )
    return [response.status_code]


def _post_json(target: Target, path: str, body: bytes | str, role: str | None) -> list[int]:
    headers = {"Content-Type": "application/json", **(target.headers(role) if role else {})}
    response = requests.post(f"{target.base}{path}", data=body, headers=headers, timeout=120)
    return [response.status_code]


def _deploy(name: str, xml: str) -> Callable[[Target], list[int]]:
    """Deploying `xml` as the performance division (the file built now, before any timing)."""
    data = xml.encode()

    def send(target: Target) -> list[int]:
        response = requests.post(
            f"{target.base}/api/v1/process-definitions/",
            files={"files": (name, io.BytesIO(data), "application/xml")},
            headers=target.headers("performance"),
            timeout=120,
        )
        return [response.status_code]

    return send


def _raw(target: Target, request: bytes) -> list[int]:
    """A request no HTTP library sends (a 10 KB request line, a 9 KB cookie)."""
    with socket.create_connection(("127.0.0.1", target.port), timeout=120) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return [int(answer.split(b" ", 2)[1])]


def _login_with_next(target: Target, next_path: str) -> list[int]:
    client = requests.Session()
    page = client.get(f"{target.base}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        f"{target.base}/login",
        data={
            "login": target.world["unit"].login,
            "password": PASSWORD,
            "csrf_token": token,
            "next": next_path,
        },
        allow_redirects=False,
        timeout=30,
    )
    location = response.headers.get("Location", "")
    # A redirect inside the app is the right answer; anywhere else is a failure.
    return [response.status_code if location.startswith("/") and "evil" not in location else 599]


def _guesses(target: Target, count: int = 40) -> list[int]:
    """`count` wrong passwords for one login at once, each from its own client."""
    login = target.world["department"].login

    def guess(_: int) -> int:
        client = requests.Session()
        page = client.get(f"{target.base}/login", timeout=30)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        data = {"login": login, "password": "wrong-guess", "csrf_token": token}
        return client.post(f"{target.base}/login", data=data, timeout=30).status_code

    threads: list[threading.Thread] = []
    statuses: list[int] = []
    for n in range(count):
        thread = threading.Thread(target=lambda n=n: statuses.append(guess(n)))
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _grow_until_stopped(target: Target) -> list[int]:
    """The unit completes the task of a deployed loop whose script adds 48 values of 9,999
    characters each pass, until the engine stops it (an incident: answered 200, as documented)."""
    engine = create_engine(target.url)
    statuses = []
    try:
        for _ in range(10):
            with engine.connect() as connection:
                task_id = connection.scalar(
                    text("SELECT id FROM human_task WHERE instance_id = :i AND status = 'ready'"),
                    {"i": target.loop_instance},
                )
            response = requests.post(
                f"{target.base}/api/v1/tasks/{task_id}/complete",
                json={"data": {}},
                headers=target.headers("unit"),
                timeout=120,
            )
            statuses.append(response.status_code)
            if response.status_code != 200 or response.json()["status"] == "incident":
                statuses[-1] = 299 if response.status_code == 200 else response.status_code
                break
    finally:
        engine.dispose()
    return statuses


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


_MILLION = hostile_xlsx.million_rows()
_DOCTYPE = hostile_xlsx.with_doctype(hostile_xlsx.plain_package())
_BOMB = hostile_xlsx.bomb(hostile_xlsx.plain_package())
_RULES_613 = json.dumps(many_rules(613))
_NINE_MIB = b'{"a": "' + b"x" * (9 << 20) + b'"}'

# Every body is built here, before anything is timed.
HOSTILE = [
    Hostile("xlsx 1,000,000 rows, no <dimension>", lambda t: _upload(t, "rows.xlsx", _MILLION)),
    Hostile("xlsx with a DTD and an entity", lambda t: _upload(t, "dtd.xlsx", _DOCTYPE)),
    Hostile("xlsx unpacking to 15 MB", lambda t: _upload(t, "bomb.xlsx", _BOMB)),
    Hostile(
        "JSON 2,000 deep, anonymous",
        lambda t: _post_json(t, "/api/v1/tasks/1/complete", _nested(2000), None),
    ),
    Hostile(
        "JSON 2,000 deep, signed in",
        lambda t: _post_json(t, "/api/v1/tasks/1/complete", _nested(2000), "unit"),
    ),
    Hostile(
        "integer of 5,000 digits",
        lambda t: _post_json(
            t, "/api/v1/alerts/1/acknowledge", '{"version": ' + "9" * 5000 + "}", "performance"
        ),
    ),
    Hostile(
        "body of 9 MiB",
        lambda t: _post_json(t, "/api/v1/rule-sets/simulate", _NINE_MIB, "finance"),
    ),
    Hostile(
        "DMN table of 8,000 rules",
        _deploy("approval.dmn", dmn_table(_disjoint_rules(8000), columns=("score",)).text),
    ),
    Hostile("timer R/P99999999Y", _deploy("t.bpmn", _timer_bpmn("timeCycle", "R/P99999999Y").text)),
    Hostile("timer P99999999Y", _deploy("t.bpmn", _timer_bpmn("timeDuration", "P99999999Y").text)),
    Hostile(
        "rule set of 613 rules",
        lambda t: _post_json(t, "/api/v1/rule-sets/", _RULES_613, "finance"),
    ),
    Hostile("login next=/%09/evil.com", lambda t: _login_with_next(t, "/\t/evil.com")),
    Hostile("login next with a newline", lambda t: _login_with_next(t, "/x\n/evil.com")),
    Hostile(
        "request line of 10 KB",
        lambda t: _raw(t, b"GET /api/v1/alerts/?q=" + b"x" * 10_000 + b" HTTP/1.1\r\n\r\n"),
    ),
    Hostile(
        "cookie of 9 KB",
        lambda t: _raw(t, b"GET / HTTP/1.1\r\nCookie: a=" + b"b" * 9000 + b"\r\n\r\n"),
    ),
    Hostile("40 password guesses at once", _guesses),
    Hostile("a deployed loop growing its data", _grow_until_stopped),
]

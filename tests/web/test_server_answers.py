"""What gunicorn answers before the app can, and a request past its deadline: the error shape.

A real `budgetloop serve` on a SQLite file, spoken to over raw sockets, since no HTTP client
library will send a request line of 10 KB or a body one byte every tenth of a second.
"""

from __future__ import annotations

import json
import socket
import time

import pytest

from tests.support.served import Served

DEADLINE = 1.0


@pytest.fixture(scope="module")
def served(sqlite_templates, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("served")
    server = Served(
        sqlite_templates.fresh(),
        tmp_path,
        workers=1,
        env={"BUDGETLOOP_REQUEST_SECONDS": str(DEADLINE)},
    )
    yield server
    server.stop()


def _exchange(served: Served, head: bytes, body_chunks=(), pause: float = 0.0):
    """Send `head` (and the body slowly, if any); return (status, headers, parsed JSON body)."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            time.sleep(pause)
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server answered and closed while the body was still coming
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_part, _, body = answer.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:])
    }
    return status, headers, json.loads(body)


def _assert_shape(status: int, headers: dict, body: dict, expected: int) -> None:
    assert status == expected
    assert headers["content-type"].startswith("application/json")
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["status"] == expected
    assert body["message"]


def test_a_request_line_past_gunicorns_limit_is_414_in_the_error_shape(served):
    path = "/api/v1/projects?q=" + "x" * 10_000
    status, headers, body = _exchange(served, f"GET {path} HTTP/1.1\r\nHost: a\r\n\r\n".encode())
    _assert_shape(status, headers, body, 414)
    assert body["code"] == "uri_too_long"
    assert body["message"] == "请求地址过长，请缩短查询条件。"


def test_headers_past_gunicorns_limit_are_431_in_the_error_shape(served):
    cookie = "a=" + "b" * 9000
    head = f"GET /api/v1/projects HTTP/1.1\r\nHost: a\r\nCookie: {cookie}\r\n\r\n"
    status, headers, body = _exchange(served, head.encode())
    _assert_shape(status, headers, body, 431)
    assert "请求头过大" in body["message"]


def test_too_many_headers_are_431_in_the_error_shape(served):
    many = "".join(f"X-Filler-{n}: {n}\r\n" for n in range(150))
    head = f"GET /api/v1/projects HTTP/1.1\r\nHost: a\r\n{many}\r\n"
    status, headers, body = _exchange(served, head.encode())
    _assert_shape(status, headers, body, 431)


def test_a_malformed_request_line_is_400_in_the_error_shape(served):
    status, headers, body = _exchange(served, b"GARBAGE\x01 / HTTP/1.1\r\nHost: a\r\n\r\n")
    _assert_shape(status, headers, body, 400)
    assert body["message"] == "请求格式有误，服务器无法读取。"


def test_english_when_the_request_asks_for_it_first(served):
    head = b"POST /api/v1/projects HTTP/1.1\r\nAccept-Language: en-GB,en;q=0.9\r\nHost: a\r\n"
    head += b"Content-Length: ten\r\n\r\n"
    status, headers, body = _exchange(served, head)
    _assert_shape(status, headers, body, 400)
    assert body["message"] == "the request is malformed; the server cannot read it"


def test_a_body_trickling_in_past_the_deadline_is_stopped_with_503(served):
    """A client sending its body a byte at a time would hold the worker until gunicorn killed
    it (a dropped connection, no answer). The deadline answers instead, and the worker lives."""
    body = b'{"data": {"confirmed": true}}'
    head = (
        b"POST /api/v1/tasks/1/complete HTTP/1.1\r\nHost: a\r\n"
        b"Content-Type: application/json\r\n" + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    started = time.monotonic()
    status, headers, answer = _exchange(
        served, head, [body[i : i + 1] for i in range(len(body))], pause=0.1
    )
    took = time.monotonic() - started
    _assert_shape(status, headers, answer, 503)
    assert answer["code"] == "request_timeout"
    assert "1 秒" in answer["message"]
    assert took < DEADLINE + 2
    # The same worker answers the next request at once.
    status, headers, answer = _exchange(
        served, b"GET /api/v1/projects/ HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n\r\n"
    )
    _assert_shape(status, headers, answer, 401)

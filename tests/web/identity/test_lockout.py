"""The login lockout: counted as recorded, atomic under concurrency, and per client address."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engine.identity.logins import MAX_ADDRESS_FAILURES, MAX_FAILURES, login_key
from engine.models import AuditEvent
from tests.support.world import PASSWORD
from tests.web.conftest import csrf

HTML = {"Accept": "text/html"}
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def _client(app, address: str = "127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.get("/login")
    return client


def _post(client, login: str, password: str):
    data = {"login": login, "password": password, "csrf_token": csrf(client)}
    return client.post("/login", data=data, headers=HTML)


def _failures(app, login: str) -> int:
    with app.extensions["budgetloop.engine"].connect() as connection:
        return connection.scalar(
            select(func.count()).where(
                AuditEvent.action == "auth.login_failed", AuditEvent.object_id == login_key(login)
            )
        )


@pytest.mark.parametrize("length", [60, 61, 64, 70])
def test_a_long_login_is_locked_after_five_failures(world_app, length):
    # Failures were counted under the first 64 characters but recorded under the first 60, so
    # logins of 61-64 characters were never locked.
    login = ("long.login." * 10)[:length]
    client = _client(world_app)
    for _ in range(MAX_FAILURES):
        assert _post(client, login, "wrong-one!").status_code == 401
    assert _post(client, login, "wrong-one!").status_code == 429
    assert _failures(world_app, login) == MAX_FAILURES
    assert len(login_key(login)) <= 60


def test_login_keys_fit_the_audit_column_and_stay_apart():
    assert login_key("  ab  ") == "ab"
    assert login_key("x" * 61) != login_key("x" * 62)
    assert login_key("x" * 64) == login_key("x" * 70)  # a login has at most 64 characters
    assert max(len(login_key("x" * n)) for n in range(100)) == 60


def test_an_attacker_cannot_lock_the_owner_out(world_app, world):
    login = world["department"].login
    attacker = _client(world_app, ATTACKER)
    for _ in range(MAX_FAILURES):
        assert _post(attacker, login, "wrong-one!").status_code == 401
    # The attacker's address is throttled, even with the right password...
    assert _post(attacker, login, PASSWORD).status_code == 429
    # ...while the owner, from another address, logs in.
    assert _post(_client(world_app, OWNER), login, PASSWORD).status_code == 302


def test_an_address_is_throttled_across_logins(world_app, world):
    attacker = _client(world_app, ATTACKER)
    for number in range(MAX_ADDRESS_FAILURES):
        assert _post(attacker, f"guess.{number}", "wrong-one!").status_code == 401
    # A fresh login from the same address is refused without a check...
    assert _post(attacker, world["finance"].login, PASSWORD).status_code == 429
    assert _failures(world_app, world["finance"].login) == 0
    # ...and other addresses are not affected.
    assert _post(_client(world_app, OWNER), world["finance"].login, PASSWORD).status_code == 302


def test_concurrent_guesses_check_at_most_five_passwords(world_app, world, backend):
    if backend == "sqlite":
        pytest.skip("SQLite takes the write lock when a login check begins: no race to test")
    login = world["unit"].login
    clients = [_client(world_app, ATTACKER) for _ in range(40)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client):
        barrier.wait()
        statuses.append(_post(client, login, "wrong-one!").status_code)

    threads = [threading.Thread(target=guess, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(statuses) == len(clients)
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) == MAX_FAILURES
    assert _failures(world_app, login) == MAX_FAILURES  # each checked guess is audited

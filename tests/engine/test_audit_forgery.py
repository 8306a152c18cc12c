"""Issue 10, item 11: an audit log that a database writer cannot forge.

Whoever can write the database used to be able to edit an event, recompute the SHA-256 chain and
have `budgetloop audit verify` report it intact. The chain is now keyed (HMAC-SHA256, key outside
the database, rotation by key id) and its head can be anchored outside the database.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update

from engine import audit
from engine.models import AuditEvent, AuditHead
from web.cli import cli

KEY_VAR = "BUDGETLOOP_AUDIT_KEY"


def _append(sessions, count: int, start: int = 1) -> None:
    with sessions() as session, session.begin():
        for number in range(start, start + count):
            audit.append(
                session,
                actor="user:7",
                action="task.complete",
                object_type="task",
                object_id=number,
                payload={"amount": "12.50", "comment": f"第{number}次"},
            )


def _old_hash(event, prev_hash: str) -> str:
    """The chain's formula before it was keyed: SHA-256 over canonical JSON and the prev hash."""
    body = json.dumps(
        [
            event.seq,
            event.at.isoformat(timespec="microseconds"),
            event.actor,
            event.action,
            event.object_type,
            event.object_id,
            event.payload,
            prev_hash,
        ],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _rechain(sessions, from_seq: int, digest, **changes) -> None:
    """What a database writer does: rewrite events from `from_seq` on, recompute every hash
    after it with `digest(event, prev_hash)` and move the tip, all in plain SQL."""
    with sessions() as session, session.begin():
        if changes:
            session.execute(update(AuditEvent).where(AuditEvent.seq >= from_seq).values(**changes))
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = audit.GENESIS
        for event in events:
            if event.seq >= from_seq:
                new = digest(event, prev)
                session.execute(
                    update(AuditEvent)
                    .where(AuditEvent.seq == event.seq)
                    .values(prev_hash=prev, hash=new)
                )
                prev = new
            else:
                prev = event.hash
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=prev))
        session.expunge_all()


def _edit_payload(sessions, seq: int, payload: dict) -> None:
    with sessions() as session, session.begin():
        session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(payload=payload))


def _invoke(database_url, tmp_path, *args, env=None):
    """`budgetloop ARGS…` through click's CliRunner on the real command group."""
    environment = {
        "BUDGETLOOP_DATABASE_URL": database_url,
        "BUDGETLOOP_INSTANCE_DIR": str(tmp_path / "instance"),
        **(env or {}),
    }
    return CliRunner().invoke(cli, list(args), env=environment)


def _failure(result) -> str:
    assert result.exit_code != 0, result.output
    return str(result.exception)


def test_the_forgery_of_the_issue_is_reported_by_audit_verify(sessions, database_url, tmp_path):
    _append(sessions, 5)
    intact = _invoke(database_url, tmp_path, "audit", "verify")
    assert intact.exit_code == 0 and "audit chain intact: 5 events" in intact.output

    # The issue: edit an event in SQL and recompute the chain as the old code computed it.
    _edit_payload(sessions, 3, {"amount": "1250.00", "comment": "第3次"})
    _rechain(sessions, 3, _old_hash)

    message = _failure(_invoke(database_url, tmp_path, "audit", "verify"))
    assert "audit chain broken after 2 good events" in message
    assert "event 3 (task.complete task 3) was edited" in message


def test_a_forged_chain_relabelled_as_unsigned_is_refused(sessions, budgetloop):
    _append(sessions, 5)
    _edit_payload(sessions, 3, {"amount": "1250.00"})
    # Pretend events 3–5 predate the keys.
    _rechain(sessions, 3, _old_hash, key_id=None)
    code, out, err = budgetloop("audit", "verify")
    assert code != 0 and out == ""
    assert "event 3 (task.complete task 3) is unsigned (no key id): it was forged" in err


def test_a_whole_chain_rewritten_as_from_before_the_keys_is_refused(sessions, budgetloop):
    """The forgery in full: every event relabelled as unkeyed and rechained with the old
    formula from the first on. No unsigned event is ever valid, so this is caught too."""
    _append(sessions, 5)
    _edit_payload(sessions, 3, {"amount": "1250.00"})
    _rechain(sessions, 1, _old_hash, key_id=None)
    code, out, err = budgetloop("audit", "verify")
    assert code != 0 and out == ""
    assert "broken after 0 good events: event 1 (task.complete task 1) is unsigned" in err


def test_the_wrong_key_fails_and_names_the_key(sessions, budgetloop, monkeypatch):
    _append(sessions, 3)
    monkeypatch.setenv(KEY_VAR, "tests:not-the-key-that-signed-these")
    code, _, err = budgetloop("audit", "verify")
    assert code != 0
    assert "event 1 (task.complete task 1) was edited, or the key 'tests'" in err
    assert "is not the one that signed it" in err

    monkeypatch.setenv(KEY_VAR, "other:a-key-with-another-id-entirely")
    code, _, err = budgetloop("audit", "verify")
    assert code != 0
    assert "event 1 (task.complete task 1) is signed with the audit key 'tests'" in err
    assert "which is not in BUDGETLOOP_AUDIT_KEY" in err


def test_a_rewrite_with_the_key_is_caught_by_an_anchor(sessions, budgetloop, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    _append(sessions, 3)
    code, out, _ = budgetloop("audit", "anchor", "--file", str(anchors))
    assert code == 0 and "anchored event 3" in out
    _append(sessions, 2, start=4)
    code, out, _ = budgetloop("audit", "anchor")  # printed: the operator keeps it elsewhere
    assert code == 0
    with anchors.open("a", encoding="utf-8") as handle:
        handle.write("# the head of the day\n" + out)
    code, out, _ = budgetloop("audit", "verify", "--anchor", str(anchors))
    assert code == 0 and "audit chain intact: 5 events" in out and "2 anchors match" in out

    # Someone with the key (an insider, a stolen backup of it) edits event 2 and re-signs.
    ring = audit.load_key_ring()
    _edit_payload(sessions, 2, {"amount": "999999.00"})
    _rechain(
        sessions,
        2,
        lambda event, prev: audit.event_mac(
            ring.secret(event.key_id),
            key_id=event.key_id,
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            payload=event.payload,
            prev_hash=prev,
        ),
    )
    assert budgetloop("audit", "verify")[0] == 0  # the key alone cannot tell
    code, out, err = budgetloop("audit", "verify", "--anchor", str(anchors))
    assert code != 0 and out == ""
    assert "event 3 is not the event anchored on" in err and "(anchor line 1)" in err
    assert "rewritten and re-signed somewhere in events 1–3" in err


def test_a_truncation_is_caught_by_an_anchor(sessions, budgetloop, tmp_path):
    anchors = tmp_path / "anchors.jsonl"
    _append(sessions, 5)
    assert budgetloop("audit", "anchor", "--file", str(anchors))[0] == 0
    with sessions() as session, session.begin():
        third = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == 3))
        session.execute(delete(AuditEvent).where(AuditEvent.seq > 3))
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=3, hash=third))
    assert budgetloop("audit", "verify")[0] == 0  # a consistent shorter chain
    code, _, err = budgetloop("audit", "verify", "--anchor", str(anchors))
    assert code != 0
    assert "event 4 is missing: the chain ends at event 3 but the anchor of" in err
    assert "records event 5: the chain was truncated" in err


def test_anchoring_refuses_a_broken_or_empty_chain(sessions, budgetloop, tmp_path):
    code, _, err = budgetloop("audit", "anchor")
    assert code != 0 and "the audit log is empty" in err
    _append(sessions, 2)
    _edit_payload(sessions, 1, {"amount": "0"})
    anchors = tmp_path / "anchors.jsonl"
    code, _, err = budgetloop("audit", "anchor", "--file", str(anchors))
    assert code != 0 and "refusing to anchor a broken audit chain" in err and "event 1" in err
    assert not anchors.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "holds no anchors"),
        ("not json\n", "line 1: not JSON"),
        ('{"seq": 1}\n', "line 1: not an audit anchor"),
        ("[" * 400 + "]" * 400 + "\n", "line 1: not an audit anchor"),
        ("x" * 5000 + "\n", "line 1: longer than 1024 characters"),
        ("TAMPERED", "line 2: its mac does not match"),
        ("SEQ", "line 2: seq is not a positive integer"),
        ("KEY", "line 2: signed with the audit key 'gone', which is not in"),
    ],
)
def test_a_bad_anchor_file_is_a_clear_error(sessions, budgetloop, tmp_path, content, message):
    _append(sessions, 2)
    code, good, _ = budgetloop("audit", "anchor")
    line = json.loads(good)
    if content in ("TAMPERED", "SEQ", "KEY"):
        line = {
            "TAMPERED": {**line, "hash": "0" * 64},
            "SEQ": {**line, "seq": True},
            "KEY": {**line, "key_id": "gone"},
        }[content]
        content = "# anchors\n" + json.dumps(line) + "\n"
    anchors = tmp_path / "anchors.jsonl"
    anchors.write_text(content, encoding="utf-8")
    code, out, err = budgetloop("audit", "verify", "--anchor", str(anchors))
    assert code == 2 and out == ""
    assert err.startswith(f"budgetloop: the anchor file {anchors}") and message in err


def test_a_missing_or_binary_anchor_file_is_a_clear_error(budgetloop, tmp_path):
    code, _, err = budgetloop("audit", "verify", "--anchor", str(tmp_path / "nowhere"))
    assert code == 2 and "does not exist" in err
    binary = tmp_path / "anchors.bin"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = budgetloop("audit", "verify", "--anchor", str(binary))
    assert code == 2 and "is not UTF-8 text" in err


def test_the_instance_key_file_rotation_keeps_old_events_verifiable(
    sessions, budgetloop, monkeypatch, tmp_path
):
    monkeypatch.delenv(KEY_VAR)
    keys = tmp_path / "instance" / "audit_keys"
    _append(sessions, 2)  # the first append creates the key file
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o600
    code, out, _ = budgetloop("audit", "rotate-key")
    assert code == 0 and "audit key k2 signs new events from now on; k1 stay in" in out
    _append(sessions, 2, start=3)
    with sessions() as session:
        assert session.scalars(select(AuditEvent.key_id).order_by(AuditEvent.seq)).all() == [
            "k1",
            "k1",
            "k2",
            "k2",
        ]
    code, out, _ = budgetloop("audit", "verify")
    assert code == 0 and "audit chain intact: 4 events (signed with keys k1, k2)" in out

    # Losing a retired key makes its events unverifiable, and verify says which key is missing.
    lines = keys.read_text(encoding="utf-8").splitlines()
    keys.write_text("\n".join(line for line in lines if not line.startswith("k1:")) + "\n")
    code, _, err = budgetloop("audit", "verify")
    assert code != 0 and "event 1 (task.complete task 1) is signed with the audit key 'k1'" in err
    assert "restore that retired key" in err


def test_rotation_through_the_variable(sessions, budgetloop, monkeypatch):
    monkeypatch.setenv(KEY_VAR, "2026a:first-secret-of-this-install")
    _append(sessions, 2)
    code, _, err = budgetloop("audit", "rotate-key")
    assert code != 0 and "append a new ID:SECRET entry at its end" in err
    monkeypatch.setenv(KEY_VAR, "2026a:first-secret-of-this-install, 2026b:second-secret-now")
    _append(sessions, 1, start=3)
    code, out, _ = budgetloop("audit", "verify")
    assert code == 0 and "3 events (signed with keys 2026a, 2026b)" in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("short", "shorter than 16 characters"),
        ("a b:long-enough-secret-1234", "the audit key 'env' is shorter"),
        ("a:long-enough-secret-1234,a:another-long-secret-5678", "'a' appears twice"),
        ("bad!id:long-enough-secret-1234", "is not 1–40 letters"),
    ],
)
def test_a_bad_key_configuration_is_a_clear_error(budgetloop, monkeypatch, value, message):
    monkeypatch.setenv(KEY_VAR, value)
    code, _, err = budgetloop("audit", "verify")
    assert code != 0 and "BUDGETLOOP_AUDIT_KEY" in err and message in err


def _old_events(empty_database_url, count: int, *, edit: int | None = None):
    """A database at revision 0008 holding `count` events written by the old code (no key id,
    plain SHA-256), the `edit`-th one changed afterwards without rechaining."""
    from engine import schema
    from engine.db import create_db_engine

    engine = create_db_engine(empty_database_url)
    schema.upgrade(engine, "0008")
    events = AuditEvent.__table__
    with engine.begin() as connection:
        prev = audit.GENESIS
        for seq in range(1, count + 1):
            row = dict(
                seq=seq,
                at=audit.utcnow(),
                actor="user:1",
                action="user.add",
                object_type="user",
                object_id=str(seq),
                payload={"login": f"u{seq}"},
                prev_hash=prev,
            )
            row["hash"] = audit.event_hash(**row)
            connection.execute(insert(events).values(**row))
            prev = row["hash"]
        connection.execute(insert(AuditHead.__table__).values(id=1, seq=count, hash=prev))
        if edit:
            connection.execute(
                update(events).where(events.c.seq == edit).values(payload={"login": "root"})
            )
    return engine


def test_events_from_before_the_keys_are_signed_at_the_upgrade(
    empty_database_url, budgetloop, monkeypatch
):
    from engine import schema
    from engine.db import session_factory

    engine = _old_events(empty_database_url, 3)
    try:
        schema.upgrade(engine)
        sessions = session_factory(engine)
        _append(sessions, 2, start=4)
        with sessions() as session:
            keys = session.scalars(select(AuditEvent.key_id).order_by(AuditEvent.seq)).all()
        assert keys == ["tests"] * 5
        monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", empty_database_url)
        code, out, err = budgetloop("audit", "verify")
        assert code == 0, err
        assert "audit chain intact: 5 events (signed with key tests)" in out

        # Signed now: the old formula no longer rewrites them unnoticed.
        _edit_payload(sessions, 1, {"login": "root"})
        _rechain(sessions, 1, _old_hash, key_id=None)
        code, _, err = budgetloop("audit", "verify")
        assert code != 0 and "event 1 (user.add user 1) is unsigned" in err
    finally:
        engine.dispose()


def test_a_chain_broken_before_the_upgrade_is_not_signed(
    empty_database_url, budgetloop, monkeypatch
):
    """Signing an already edited chain would vouch for the edit: it stays unsigned and
    reported."""
    from engine import schema

    engine = _old_events(empty_database_url, 3, edit=2)
    try:
        schema.upgrade(engine)
        with engine.connect() as connection:
            keys = connection.scalars(select(AuditEvent.key_id)).all()
        assert keys == [None, None, None]
        monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", empty_database_url)
        code, _, err = budgetloop("audit", "verify")
        assert code != 0 and "event 1 (user.add user 1) is unsigned" in err
    finally:
        engine.dispose()

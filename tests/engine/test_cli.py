"""The CLI: one clear line and a non-zero exit for bad input, and the database left unchanged."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import schema
from engine.cli import run
from engine.identity.users import token_digest, user_for_token
from engine.models import ApiToken, Organisation, User
from engine.models.enums import OrgKind
from tests.support.snapshot import snapshot
from web.cli import cli


@pytest.fixture
def seeded(budgetloop):
    code, out, _ = budgetloop("seed", "--year", "2026", "--projects", "40", "--seed", "3")
    assert code == 0, out
    return out


def test_seed_prints_a_summary(budgetloop):
    code, out, err = budgetloop("seed", "--year", "2026", "--projects", "25")
    assert code == 0, err
    assert "示范省 2026" in out and "25 projects" in out


def test_user_add_prints_a_token_that_authenticates(budgetloop, seeded, sessions):
    with sessions() as session:
        unit_code = session.scalars(
            select(Organisation.code).where(Organisation.kind == OrgKind.UNIT).limit(1)
        ).one()
    code, out, err = budgetloop(
        "user", "add", "--name", "li.hua", "--role", "unit", "--org", unit_code
    )
    assert code == 0, err
    token = out.strip()
    with sessions() as session:
        user = user_for_token(session, token)
        assert user.login == "li.hua" and user.role.value == "unit"
        # Only the digest is stored, never the token.
        stored = session.scalars(select(ApiToken.token_sha256)).all()
        assert token_digest(token) in stored and token not in stored


BAD_COMMANDS = [
    (("user", "add", "--name", "x1", "--role", "boss", "--org", "PERF"), "unknown role 'boss'"),
    (
        ("user", "add", "--name", "x1", "--role", "unit", "--org", "NOPE"),
        "no organisation with code",
    ),
    (
        ("user", "add", "--name", "x1", "--role", "unit", "--org", "PERF"),
        "needs an organisation of kind",
    ),
    (("user", "add", "--name", "x1", "--role", "public", "--org", "PERF"), "anonymous"),
    (("user", "add", "--name", "x", "--role", "finance", "--org", "F01"), "must be 2–64"),
    (("user", "add", "--role", "unit", "--org", "PERF"), "Missing option '--name'"),
    (("seed", "--year", "2026", "--projects", "-5"), "--projects must be between 1"),
    (("seed", "--year", "2026", "--projects", "0"), "--projects must be between 1"),
    (("seed", "--year", "20x6", "--projects", "5"), "'20x6' is not a valid integer"),
    (("seed", "--year", "1066", "--projects", "5"), "outside 2000–2100"),
    (("seed", "--year", "2026", "--projects", "5"), "already exists with 40 projects"),
    (("seed", "--year", "2027", "--projects", "5", "--units", "9"), "omit --units"),
    (("seed", "--year", "2027"), "Missing option '--projects'"),
    (("no-such-command",), "No such command"),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_COMMANDS, ids=[" ".join(a) for a, _ in BAD_COMMANDS]
)
def test_bad_input_is_one_line_nonzero_and_changes_nothing(
    budgetloop, seeded, engine, args, message
):
    before = snapshot(engine)
    code, out, err = budgetloop(*args)
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("budgetloop: "), err
    assert message in err
    assert out == ""
    assert snapshot(engine) == before


def test_duplicate_user_is_refused(budgetloop, seeded, engine, sessions):
    assert budgetloop("user", "add", "--name", "wang", "--role", "finance", "--org", "F01")[0] == 0
    before = snapshot(engine)
    code, _, err = budgetloop("user", "add", "--name", "wang", "--role", "finance", "--org", "F02")
    assert code != 0 and "already exists" in err
    assert snapshot(engine) == before
    with sessions() as session:
        assert session.scalar(select(func.count()).where(User.login == "wang")) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/db", "unsupported database 'mysql'"),
        ("not a url", "is not a database URL"),
        ("postgresql://nobody@127.0.0.1:9/none", "cannot reach the database"),
        ("sqlite:////proc/forbidden/db.sqlite3", "cannot create the folder"),
    ],
)
def test_a_wrong_database_url_is_one_clear_line(monkeypatch, tmp_path, capsys, url, message):
    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", url)
    monkeypatch.setenv("BUDGETLOOP_INSTANCE_DIR", str(tmp_path))
    code = run(cli, ["db", "upgrade"])
    err = capsys.readouterr().err
    assert code != 0
    assert err.count("\n") == 1 and message in err, err


def test_commands_refuse_a_database_without_schema(
    empty_database_url, monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("BUDGETLOOP_INSTANCE_DIR", str(tmp_path))
    code = run(cli, ["seed", "--year", "2026", "--projects", "3"])
    err = capsys.readouterr().err
    assert code != 0 and "run `budgetloop db upgrade`" in err


def test_db_upgrade_on_an_empty_database(empty_database_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("BUDGETLOOP_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("BUDGETLOOP_INSTANCE_DIR", str(tmp_path))
    head = schema.head_revision()
    assert run(cli, ["db", "upgrade"]) == 0
    first = capsys.readouterr().out
    assert f"empty → {head}" in first and "process_definitions" in first
    assert run(cli, ["db", "upgrade"]) == 0
    assert f"already at {head}" in capsys.readouterr().out


def test_audit_verify_after_commands(budgetloop, seeded):
    code, out, _ = budgetloop("audit", "verify")
    assert code == 0 and "intact: 1 events" in out


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_audit_verify_exits_non_zero_on_tampering(budgetloop, seeded, engine, tamper):
    from sqlalchemy import delete, update

    from engine.models import AuditEvent

    for login in ("a.one", "a.two", "a.three"):
        assert (
            budgetloop("user", "add", "--name", login, "--role", "finance", "--org", "F01")[0] == 0
        )
    with engine.begin() as connection:
        if tamper == "edit":
            connection.execute(
                update(AuditEvent).where(AuditEvent.seq == 2).values(actor="someone else")
            )
        elif tamper == "delete":
            connection.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
        else:
            connection.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(seq=-2))
            connection.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(seq=2))
            connection.execute(update(AuditEvent).where(AuditEvent.seq == -2).values(seq=3))
    code, out, err = budgetloop("audit", "verify")
    assert code != 0 and out == ""
    assert err.startswith("budgetloop: audit chain broken")
    assert "event 2" in err or "event 3" in err

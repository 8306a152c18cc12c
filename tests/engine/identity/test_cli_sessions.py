"""`budgetloop user deactivate|activate` and `budgetloop token issue|list|revoke`."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.cli import run
from engine.identity.users import check_token, user_for_token
from engine.models import ApiToken, AuditEvent, User
from engine.models.types import utcnow
from tests.conftest import backend_templates
from tests.support.snapshot import snapshot
from web.cli import cli


@pytest.fixture(scope="module")
def wang_province(backend, request, tmp_path_factory) -> tuple[str, str]:
    """A seeded province with the finance user `wang`, made once per backend by the same two
    commands: (its database's URL, wang's first token). Each test works on a copy."""
    url = backend_templates(backend, request).fresh()
    instance = tmp_path_factory.mktemp("wang") / "instance"

    def budgetloop(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
            patch.setenv("BUDGETLOOP_DATABASE_URL", url)
            patch.setenv("BUDGETLOOP_INSTANCE_DIR", str(instance))
            code = run(cli, list(args))
        return code, out.getvalue(), err.getvalue()

    code, out, err = budgetloop("seed", "--year", "2026", "--projects", "8", "--seed", "3")
    assert code == 0, err
    code, out, err = budgetloop(
        "user", "add", "--name", "wang", "--role", "finance", "--org", "F01"
    )
    assert code == 0, err
    assert "valid 90 days" in err
    return url, out.strip()


@pytest.fixture
def database_url(wang_province, templates) -> Iterator[str]:
    """Every test here starts from a copy of the province with wang."""
    url = templates.copy(wang_province[0])
    yield url
    templates.discard(url)


@pytest.fixture
def wang(wang_province) -> str:
    """Wang's first token (in the test's copy, as in the province it was copied from)."""
    return wang_province[1]


BAD_COMMANDS = [
    (("user", "deactivate", "nobody"), "no user named 'nobody'"),
    (("user", "deactivate", "--name", "nobody"), "no user named 'nobody'"),
    (("user", "deactivate"), "name the user once"),
    (("user", "deactivate", "wang", "--name", "wang"), "name the user once"),
    (("user", "activate", "nobody"), "no user named 'nobody'"),
    (("user", "password", "--name", "nobody", "--password", "long-enough-1"), "no user named"),
    (("token", "issue", "--user", "nobody"), "no user named 'nobody'"),
    (("token", "issue", "--user", "wang", "--days", "0"), "'--days': 0 is not in the range"),
    (("token", "issue", "--user", "wang", "--days", "99999"), "is not in the range"),
    (("token", "issue"), "Missing option '--user'"),
    (("token", "list", "--user", "nobody"), "no user named 'nobody'"),
    (("token", "revoke"), "name what to revoke once"),
    (("token", "revoke", "bl_abcdefg", "--user", "wang"), "name what to revoke once"),
    (("token", "revoke", "bl_abcdefg"), "no API token with prefix 'bl_abcdefg'"),
    (("token", "revoke", "bl_abc"), "too short"),
    (("token", "revoke", "bl_" + "x" * 43), "no API token like that one"),
    (("token", "revoke", "--id", "999999"), "no API token with id 999999"),
    (("token", "revoke", "--id", "0"), "'--id': 0 is not in the range"),
    (("token", "revoke", "--id", "9" * 5000), "is not a valid integer"),
    (("token", "revoke", "--user", "nobody"), "no user named 'nobody'"),
]


@pytest.mark.parametrize(
    ("args", "message"), BAD_COMMANDS, ids=[" ".join(a)[:60] for a, _ in BAD_COMMANDS]
)
def test_bad_input_is_one_line_nonzero_and_changes_nothing(budgetloop, wang, engine, args, message):
    before = snapshot(engine)
    code, out, err = budgetloop(*args)
    assert code != 0
    assert err.count("\n") == 1 and err.startswith("budgetloop: "), err
    assert message in err
    assert out == ""
    assert snapshot(engine) == before


def test_deactivate_revokes_tokens_and_activate_gives_none_back(budgetloop, wang, sessions):
    code, _, err = budgetloop("user", "deactivate", "wang")
    assert code == 0 and "1 API token(s) revoked" in err
    with sessions() as session:
        user = session.scalars(select(User).where(User.login == "wang")).one()
        assert not user.active and user.session_epoch == 1
        assert user_for_token(session, wang) is None
    # Again: nothing changes, and it says so.
    code, _, err = budgetloop("user", "deactivate", "--name", "wang")
    assert code == 0 and "already deactivated" in err
    code, _, err = budgetloop("token", "issue", "--user", "wang")
    assert code != 0 and "is deactivated; activate them first" in err

    code, _, err = budgetloop("user", "activate", "wang")
    assert code == 0 and "activated wang" in err
    code, _, err = budgetloop("user", "activate", "wang")
    assert code == 0 and "already active" in err
    with sessions() as session:
        assert user_for_token(session, wang) is None  # the old token stays revoked
    code, out, err = budgetloop("token", "issue", "--user", "wang", "--days", "30")
    assert code == 0 and "valid 30 days" in err
    with sessions() as session:
        assert check_token(session, out.strip()).login == "wang"
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("user.%activate"))
            .order_by(AuditEvent.seq)
        ).all()
    assert actions == ["user.deactivate", "user.activate"]
    code, out, _ = budgetloop("audit", "verify")
    assert code == 0 and "intact" in out


def test_token_list_shows_state(budgetloop, wang, engine):
    code, out, _ = budgetloop("token", "issue", "--user", "wang")
    second = out.strip()
    with engine.begin() as connection:
        connection.execute(
            update(ApiToken)
            .where(ApiToken.prefix == second[:10])
            .values(expires_at=utcnow() - timedelta(days=1))
        )
    code, out, err = budgetloop("token", "list", "--user", "wang")
    assert code == 0 and "2 token(s)" in err
    lines = [line.split("\t") for line in out.splitlines()]
    assert [(line[1], line[2], line[5]) for line in lines] == [
        (wang[:10], "wang", "valid"),
        (second[:10], "wang", "expired"),
    ]
    code, _, _ = budgetloop("token", "revoke", "--id", lines[0][0])
    assert code == 0
    code, out, _ = budgetloop("token", "list")
    assert f"{wang[:10]}\twang" in out and out.count("\trevoked") == 1


def test_revoke_by_the_token_itself_and_again(budgetloop, wang, sessions):
    code, _, err = budgetloop("token", "revoke", wang)
    assert code == 0 and f"revoked 1 token(s): {wang[:10]}" in err
    code, _, err = budgetloop("token", "revoke", wang)
    assert code == 0 and f"already revoked: {wang[:10]}" in err
    with sessions() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "token.revoke")
        ).all()
        assert len(events) == 1 and events[0].payload["prefixes"] == [wang[:10]]


def test_an_ambiguous_prefix_is_refused(budgetloop, wang, engine):
    code, out, _ = budgetloop("token", "issue", "--user", "wang")
    with engine.begin() as connection:
        connection.execute(
            update(ApiToken).where(ApiToken.prefix == out.strip()[:10]).values(prefix=wang[:10])
        )
    before = snapshot(engine)
    code, _, err = budgetloop("token", "revoke", wang[:10])
    assert code != 0 and "names 2 tokens" in err and "--id" in err
    assert snapshot(engine) == before


@pytest.mark.parametrize(("variable", "value"), [("BUDGETLOOP_TOKEN_DAYS", "0"),
                                                  ("BUDGETLOOP_TOKEN_DAYS", "ninety"),
                                                  ("BUDGETLOOP_TOKEN_DAYS", "9" * 5000),
                                                  ("BUDGETLOOP_TLS", "maybe")])  # fmt: skip
def test_a_bad_setting_is_one_clear_line(budgetloop, wang, monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    code, out, err = budgetloop("token", "issue", "--user", "wang")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and variable in err, err

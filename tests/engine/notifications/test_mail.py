"""The e-mail channel against a real SMTP server on loopback (aiosmtpd): each message is sent
once, even when the pass runs twice; a relay that refuses is retried, then given up."""

from __future__ import annotations

import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from engine.db import create_db_engine, session_factory, unit_of_work
from engine.errors import ConfigurationError
from engine.models import HumanTask, Message, MessageDelivery, User
from engine.notifications.mail import MAX_ATTEMPTS, SmtpChannel, smtp_channel
from engine.notifications.passes import run_pass


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.mails: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook
        self.mails.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def relay():
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def lived(backend, request):
    lived = request.getfixturevalue(f"{'sqlite' if backend == 'sqlite' else 'postgres'}_world")
    engine = create_db_engine(lived.fresh())
    yield session_factory(engine), lived.world
    engine.dispose()


def _now(sessions):
    with sessions() as session:
        latest = session.scalar(
            select(func.max(HumanTask.created_at)).where(HumanTask.status == "ready")
        )
    return latest + timedelta(hours=1)


def _reader_with_an_address(sessions, now) -> int:
    """The messages due now made, the user with the most of them is given an address."""
    run_pass(lambda: unit_of_work(sessions), now)
    with unit_of_work(sessions) as session:
        user_id = session.scalar(
            select(Message.user_id)
            .group_by(Message.user_id)
            .order_by(func.count().desc(), Message.user_id)
            .limit(1)
        )
        session.execute(update(User).where(User.id == user_id).values(email="unit@example.cn"))
    return user_id


def test_messages_go_out_once_to_users_with_an_address(lived, relay):
    sessions, _world = lived
    inbox, port = relay
    now = _now(sessions)
    reader = _reader_with_an_address(sessions, now)
    channel = SmtpChannel("127.0.0.1", port, "budgetloop@example.cn", "https://jx.example.cn")
    first = run_pass(lambda: unit_of_work(sessions), now, channel)
    again = run_pass(lambda: unit_of_work(sessions), now, channel)
    with sessions() as session:
        theirs = session.scalar(select(func.count()).where(Message.user_id == reader))
    assert theirs > 0
    assert first.delivery["sent"] == theirs == len(inbox.mails)
    assert again.delivery == {"sent": 0, "failed": 0, "retry": 0}
    recipients, mail = inbox.mails[0]
    assert recipients == ["unit@example.cn"]
    assert mail["Subject"].startswith("[预算绩效] ")
    assert "https://jx.example.cn/" in mail.get_content()


def test_a_title_with_line_breaks_is_one_subject_line(lived, relay):
    sessions, _world = lived
    inbox, port = relay
    now = _now(sessions)
    reader = _reader_with_an_address(sessions, now)
    with unit_of_work(sessions) as session:
        session.execute(
            update(Message)
            .where(Message.user_id == reader)
            .values(title="项目\r\nBcc: someone@example.cn")
        )
    channel = SmtpChannel("127.0.0.1", port, "budgetloop@example.cn")
    assert run_pass(lambda: unit_of_work(sessions), now, channel).delivery["sent"] > 0
    recipients, mail = inbox.mails[0]
    assert recipients == ["unit@example.cn"] and mail["Bcc"] is None
    assert "项目 Bcc: someone@example.cn" in mail["Subject"]


def test_a_relay_that_refuses_is_retried_then_given_up(lived):
    sessions, _world = lived
    now = _now(sessions)
    _reader_with_an_address(sessions, now)
    channel = SmtpChannel("127.0.0.1", _free_port(), "budgetloop@example.cn")  # nobody listens
    outcomes = [
        run_pass(lambda: unit_of_work(sessions), now, channel).delivery for _ in range(MAX_ATTEMPTS)
    ]
    assert outcomes[0]["retry"] > 0 and outcomes[-1]["failed"] == outcomes[0]["retry"]
    with sessions() as session:
        statuses = set(session.scalars(select(MessageDelivery.status)))
        errors = session.scalars(select(MessageDelivery.last_error)).all()
    assert statuses == {"failed"} and all("Error" in error for error in errors)


@pytest.mark.parametrize(
    "env",
    [
        {"BUDGETLOOP_SMTP": "relay.example.cn"},
        {"BUDGETLOOP_SMTP": "relay.example.cn:99999", "BUDGETLOOP_SMTP_FROM": "a@b.cn"},
        {"BUDGETLOOP_SMTP": "relay.example.cn:25", "BUDGETLOOP_SMTP_FROM": "nobody"},
    ],
)
def test_a_wrong_relay_setting_is_a_clear_error(env):
    with pytest.raises(ConfigurationError):
        smtp_channel(env)


def test_no_relay_means_no_email():
    assert smtp_channel({}) is None

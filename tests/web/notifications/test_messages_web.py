"""The message centre on the web: one's own messages in the API and the page, opening one
(read, then its page), marking all read, muting a kind; the header's count; the dashboard's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from engine.db import unit_of_work
from engine.models import HumanTask, Message
from engine.notifications.sweep import sweep
from tests.web.conftest import csrf


def _swept(world_app) -> None:
    sessions = world_app.extensions["budgetloop.sessions"]
    with sessions() as session:
        latest = session.scalar(
            select(func.max(HumanTask.created_at)).where(HumanTask.status == "ready")
        )
    with unit_of_work(sessions) as session:
        sweep(session, latest + timedelta(hours=1))


def _reader(world_app, world) -> str:
    """The role of the main accounts with the most messages."""
    sessions = world_app.extensions["budgetloop.sessions"]
    with sessions() as session:
        counts = dict(
            session.execute(select(Message.user_id, func.count()).group_by(Message.user_id)).all()
        )
    return max(world.accounts, key=lambda role: counts.get(world[role].user_id, 0))


def test_the_api_lists_reads_and_mutes_ones_own(world_app, world_client, world):
    _swept(world_app)
    role = _reader(world_app, world)
    headers = world.headers(role)
    listing = world_client.get("/api/v1/messages/?unread=true", headers=headers).json
    assert listing["total"] > 0
    first = listing["items"][0]
    assert first["kind"] in {
        "task",
        "returned",
        "alert",
        "deadline_near",
        "deadline_passed",
        "decision",
    }
    other = next(r for r in world.accounts if r != role)
    # Another user's ids change nothing of this user's.
    nothing = world_client.post(
        "/api/v1/messages/read", json={"ids": [first["id"]]}, headers=world.headers(other)
    ).json
    assert nothing["read"] == 0
    read = world_client.post("/api/v1/messages/read", json={"ids": [first["id"]]}, headers=headers)
    assert read.json["read"] == 1 and read.json["unread"] == listing["total"] - 1
    assert world_client.post("/api/v1/messages/read", json={}, headers=headers).status_code == 422
    muted = world_client.put(
        "/api/v1/messages/mutes", json={"muted": ["decision", "task"]}, headers=headers
    ).json
    assert muted["muted"] == ["decision", "task"]
    assert world_client.get("/api/v1/messages/mutes", headers=headers).json["muted"] == [
        "decision",
        "task",
    ]
    bad = world_client.put("/api/v1/messages/mutes", json={"muted": ["spam"]}, headers=headers)
    assert bad.status_code == 422
    everything = world_client.post("/api/v1/messages/read", json={"all": True}, headers=headers)
    assert everything.json["unread"] == 0


def test_the_page_opens_a_message_at_its_page_and_counts_the_unread(login, world_app, world):
    _swept(world_app)
    role = _reader(world_app, world)
    client = login(role)
    home = client.get("/messages")
    assert home.status_code == 200
    assert 'class="badge"' in client.get("/inbox").text
    assert 'class="message unread"' in home.text
    action = home.text.split('action="/messages/', 1)[1].split('"', 1)[0]
    opened = client.post(f"/messages/{action}", data={"csrf_token": csrf(client)})
    assert opened.status_code == 302 and opened.headers["Location"].startswith("/")
    done = client.post("/messages/read-all", data={"csrf_token": csrf(client)})
    assert done.status_code == 302
    page = client.get("/messages").text
    assert 'class="message unread"' not in page and 'class="badge"' not in page
    saved = client.post("/messages/mutes", data={"muted": ["alert"], "csrf_token": csrf(client)})
    assert saved.status_code == 302
    assert 'name="muted" value="alert" checked' in client.get("/messages").text
    english = client.get("/messages?lang=en").text
    assert "Which messages" in english


def test_a_message_of_someone_else_is_not_found(login, world_app, world):
    _swept(world_app)
    role = _reader(world_app, world)
    sessions = world_app.extensions["budgetloop.sessions"]
    with sessions() as session:
        theirs = session.scalar(
            select(Message.id).where(Message.user_id == world[role].user_id).limit(1)
        )
    other = next(r for r in world.accounts if r != role)
    client = login(other)
    client.get("/messages")
    assert (
        client.post(f"/messages/{theirs}/open", data={"csrf_token": csrf(client)}).status_code
        == 404
    )


def test_the_dashboard_counts_reminders(login, world_app):
    client = login("supervisor")
    page = client.get("/dashboard").text
    assert 'id="reminders"' in page and "催办提醒（近 30 天）" in page

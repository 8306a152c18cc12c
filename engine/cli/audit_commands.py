"""`budgetloop audit`: verify the keyed audit chain, anchor its head outside, rotate its key."""

from __future__ import annotations

from collections.abc import Iterator

import click

from engine import audit, audit_keys
from engine.cli.context import CommandContext
from engine.errors import AuditChainBroken, InvalidInput


@click.group("audit")
def command() -> None:
    """Audit log."""


@command.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False),
    help="Also check that every head anchored in this file (by `audit anchor`) is still there.",
)
@click.pass_obj
def verify(ctx: CommandContext, anchor_file: str | None) -> None:
    """Verify every event's signature and order; exit non-zero at the first problem."""
    anchors = _read_anchor_file(anchor_file) if anchor_file else []
    with ctx.transaction() as session:
        report = audit.verify(session, anchors=anchors)
    if not report.ok:
        raise AuditChainBroken(
            f"audit chain broken after {report.events:,} good events: {report.problem}"
        )
    details = []
    if report.key_ids:
        details.append(
            f"signed with key{'s' * (len(report.key_ids) > 1)} {', '.join(report.key_ids)}"
        )
    if anchor_file:
        details.append(f"{report.anchors:,} anchors match")
    suffix = f" ({'; '.join(details)})" if details else ""
    click.echo(f"audit chain intact: {report.events:,} events{suffix}")


@command.command("anchor")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False),
    help="Append the anchor to this file instead of printing it.",
)
@click.pass_obj
def anchor(ctx: CommandContext, path: str | None) -> None:
    """Sign the chain's head (seq, hash, time, key id) for keeping outside the database."""
    with ctx.transaction() as session:
        report = audit.verify(session)
        if not report.ok:
            raise AuditChainBroken(
                f"refusing to anchor a broken audit chain (after {report.events:,} good events): "
                f"{report.problem}"
            )
        head = audit.make_anchor(session)
    if head is None:
        raise InvalidInput("the audit log is empty: there is no head to anchor yet")
    if path is None:
        click.echo(head.to_line())
        return
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(head.to_line() + "\n")
    except OSError as error:
        raise InvalidInput(f"cannot append to the anchor file {path}: {error.strerror}") from None
    click.echo(f"anchored event {head.seq:,} (hash {head.hash[:16]}…, key {head.key_id}) in {path}")


@command.command("rotate-key")
def rotate_key() -> None:
    """Start a new audit key; the old ones stay in the key ring to verify older events."""
    new_id, ring = audit_keys.rotate()
    retired = ", ".join(key_id for key_id in ring.ids if key_id != new_id)
    click.echo(
        f"audit key {new_id} signs new events from now on; {retired} stay in {ring.source} "
        "to verify the events they signed: keep that file (and a backup of it)"
    )


def _read_anchor_file(path: str) -> list[audit.Anchor]:
    try:
        return audit.read_anchors(_lines(path), path)
    except UnicodeDecodeError:
        raise InvalidInput(f"the anchor file {path} is not UTF-8 text") from None
    except OSError as error:
        raise InvalidInput(f"cannot read the anchor file {path}: {error.strerror}") from None


def _lines(path: str) -> Iterator[str]:
    # Bounded reads: an over-long line arrives in pieces, and its first piece is refused.
    with open(path, encoding="utf-8") as handle:
        while line := handle.readline(audit.MAX_ANCHOR_LINE + 2):
            yield line

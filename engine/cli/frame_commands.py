"""`budgetloop frames …`: the indicator frame each region files its project targets on, per year."""

from __future__ import annotations

import click

from engine import frames
from engine.actors import Actor
from engine.cli.context import CommandContext
from engine.errors import InvalidInput

CLI = Actor.system("cli")


def _weights(pairs: tuple[str, ...]) -> dict[str, str]:
    weights = {}
    for pair in pairs:
        code, equals, points = pair.partition("=")
        if not equals or not code.strip():
            raise InvalidInput(f"--weight {pair!r}: write it as ITEM=POINTS, e.g. cost=10")
        weights[code.strip()] = points.strip()
    return weights


def _level1(frame) -> str:
    return " ".join(
        f"{n.code}={n.weight:g}" for n in frame.nodes if n.level == 1 and n.weight is not None
    )


@click.group("frames")
def command() -> None:
    """Indicator frames: the default and the 2021 one (成本 a level-1 item), per region and year."""


@command.command("list")
@click.pass_obj
def list_command(ctx: CommandContext) -> None:
    """The frames tables are filed on, and each region's frame for each year on record."""
    with ctx.transaction() as session:
        for frame in frames.filing_frames(session):
            click.echo(f"{frame.code:<10} {frame.name}  {_level1(frame)}")
        for choice in frames.on_record(session):
            frame = choice.frame
            own = f" (the region's weights, v{frame.version})" if frame.region_code else ""
            click.echo(
                f"{choice.region_code} {choice.year} {frame.code}{own}: {_level1(frame)}; "
                f"{choice.on_frame:,} tables on it, {choice.elsewhere:,} filed on another, "
                f"{choice.to_move:,} drafts to move"
            )


@command.command("choose")
@click.argument("region")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.argument("frame")
@click.option(
    "--weight",
    "weights",
    multiple=True,
    metavar="ITEM=POINTS",
    help="The region's weight of a level-1 item (all of them, adding up to 100), e.g. cost=15.",
)
@click.pass_obj
def choose_command(
    ctx: CommandContext, region: str, year: int, frame: str, weights: tuple[str, ...]
) -> None:
    """File REGION's YEAR on FRAME (default or cost_2021), and move its draft tables there."""
    wanted = _weights(weights)
    with ctx.transaction() as session:
        choice, moved = frames.choose(session, CLI, region, year, frame, wanted or None)
    total = moved
    while choice.to_move and moved:
        # Each batch of drafts is a transaction of its own, so none holds the database long.
        with ctx.transaction() as session:
            moved = frames.move_drafts(session, region, year)
            choice = frames.choice(session, region, year)
        total += moved
    click.echo(
        f"{region} files {year} on {choice.frame.code} ({_level1(choice.frame)}): "
        f"{total:,} draft tables moved, {choice.on_frame:,} on it, "
        f"{choice.elsewhere:,} already filed keep their frame"
    )

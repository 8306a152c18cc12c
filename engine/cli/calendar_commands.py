"""`budgetloop calendar …`: working calendars (public holidays and adjusted working days)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from engine import calendars
from engine.actors import Actor
from engine.calendar_file import MAX_FILE_BYTES, CalendarYear, decode, parse, where
from engine.cli.context import CommandContext
from engine.errors import InvalidInput

CLI = Actor.system("cli")


def _read(path: str) -> str:
    file = Path(path)
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path}: over {MAX_FILE_BYTES // 1024} KiB, not a calendar file")
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except (UnicodeDecodeError, OSError) as error:
        raise InvalidInput(f"{path}: cannot be read as UTF-8 text ({error})") from None


def _problems(path: str, error: InvalidInput) -> InvalidInput:
    lines = [f"  {where(p)}: {p['message']}" for p in error.errors.get("problems", [])]
    return InvalidInput("\n".join([f"{path}: {error.message}", *lines[1:]]))


@click.group("calendar")
def command() -> None:
    """Working calendars: each year's public holidays and adjusted working days (调休)."""


@command.command("import")
@click.argument("file")
@click.option("--region", default=None, help="A region's own calendar (default: national).")
@click.pass_obj
def import_command(ctx: CommandContext, file: str, region: str | None) -> None:
    """Check FILE (a calendar year, JSON) and store it as that year's next version."""
    try:
        calendar = parse(decode(_read(file)), region=region)
    except InvalidInput as error:
        raise _problems(file, error) from None
    with ctx.transaction() as session:
        saved = calendars.save(session, CLI, calendar)
    click.echo(
        f"stored the {_whose(calendar)} calendar for {calendar.year}, version {saved.version}: "
        f"{len(calendar.holiday_dates())} holiday days, {len(calendar.workdays)} adjusted "
        "working days"
    )


@command.command("list")
@click.pass_obj
def list_command(ctx: CommandContext) -> None:
    """List the calendar years stored, and the years deadlines need that have none."""
    with ctx.transaction() as session:
        shown = calendars.newest(session)
        missing = calendars.missing_years(session)
    for saved in shown:
        calendar = saved.calendar
        click.echo(
            f"{calendar.year} {_whose(calendar):<10} v{saved.version} "
            f"{len(calendar.holiday_dates()):>3} holiday days {len(calendar.workdays):>2} "
            f"adjusted working days  {calendar.source}"
        )
    for year in missing:
        click.echo(f"{year} no calendar: deadlines falling in {year} skip weekends only")


@command.command("export")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--region", default=None, help="The region whose calendar (default: national).")
@click.pass_obj
def export_command(ctx: CommandContext, year: int, region: str | None) -> None:
    """Print YEAR's calendar as a file `calendar import` takes back."""
    with ctx.transaction() as session:
        saved = calendars.stored(session, year, region)
    if saved is None:
        raise InvalidInput(f"no calendar for {year}: import one with `budgetloop calendar import`")
    click.echo(json.dumps(saved.calendar.body(), ensure_ascii=False, indent=2))


def _whose(calendar: CalendarYear) -> str:
    return calendar.region or "national"

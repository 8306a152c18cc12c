"""The `budgetloop` command line: one clear line for every error, one transaction per command."""

from __future__ import annotations

import click
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from engine.cli import (
    alert_commands,
    audit_commands,
    calendar_commands,
    db_commands,
    department_commands,
    frame_commands,
    message_commands,
    permission_commands,
    process_commands,
    rules_commands,
    seed_commands,
    token_commands,
    user_commands,
    work_commands,
)
from engine.cli.context import CommandContext
from engine.errors import BudgetloopError, DatabaseUnavailable

EXIT_INPUT = 2
EXIT_FAILURE = 1


def build_cli() -> click.Group:
    """The engine's command group; the web layer adds the commands that start the app."""

    @click.group(context_settings={"help_option_names": ["-h", "--help"]})
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        """budgetloop: the budget performance cycle (targets, monitoring, evaluation, results)."""
        ctx.obj = CommandContext()
        ctx.call_on_close(ctx.obj.dispose)

    for module in (
        db_commands,
        seed_commands,
        user_commands,
        token_commands,
        audit_commands,
        rules_commands,
        alert_commands,
        permission_commands,
        work_commands,
        calendar_commands,
        frame_commands,
        message_commands,
        department_commands,
    ):
        cli.add_command(module.command)
    for command in process_commands.COMMANDS:
        cli.add_command(command)
    return cli


def run(group: click.Group, argv: list[str] | None = None) -> int:
    """Run `group` and turn every expected failure into one line on stderr and an exit code."""
    try:
        group.main(args=argv, prog_name="budgetloop", standalone_mode=False)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.Abort:
        click.echo("budgetloop: aborted", err=True)
        return EXIT_FAILURE
    except click.ClickException as error:
        click.echo(f"budgetloop: {error.format_message()}", err=True)
        return error.exit_code
    except DatabaseUnavailable as error:
        click.echo(f"budgetloop: {error.message}", err=True)
        return EXIT_FAILURE
    except BudgetloopError as error:
        click.echo(f"budgetloop: {error.message}", err=True)
        return EXIT_INPUT
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        click.echo(f"budgetloop: database error: {reason}", err=True)
        return EXIT_FAILURE
    except SQLAlchemyError as error:
        click.echo(f"budgetloop: database error: {error}", err=True)
        return EXIT_FAILURE
    return 0

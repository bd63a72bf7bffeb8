"""`gasflow calendar ...`: keep the holiday table (rules.md, "The working-day calendar"; issue 3 §1-2)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.core.errors import ServiceError


@click.group("calendar")
def calendar_group() -> None:
    """The working-day calendar: import a year's schedule, list covered years."""


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_file(file: Path) -> None:
    """Import FILE (CSV with header date,workday,name). Nothing is imported if any line is wrong."""
    from app.platform import deadlines

    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file}: 文件不是 UTF-8 编码 (not UTF-8)") from None
    try:
        result = deadlines.import_year(text, None)
    except ServiceError as err:
        for line in err.extra.get("errors", []):
            click.echo(f"{file}: {line}", err=True)
        raise click.ClickException(err.detail) from None
    years = ", ".join(map(str, result.years))
    click.echo(f"{result.rows} day(s) imported; year(s) {years} covered")
    click.echo(f"{result.tasks_recomputed} task deadline(s) and {result.timers_recomputed} case timer(s) recomputed")


@calendar_group.command("years")
@with_appcontext
def years() -> None:
    """List the years the table covers; warn while next year is missing (from 1 December)."""
    from app.calendar import table as workcalendar

    covered = workcalendar.covered_years()
    click.echo(f"covered: {covered[0]}-{covered[-1]}" if covered else "covered: none")
    warning = workcalendar.coverage_warning()
    if warning:
        click.echo(warning, err=True)
        sys.exit(2)

"""`gasflow arrears import FILE.csv` (issue 6 §1): billing's accounts in arrears become arrears cases."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.core.errors import ServiceError


@click.group()
def arrears() -> None:
    """Arrears cases from the billing side (S19.3, S24.6)."""


@arrears.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_command(file: Path) -> None:
    """Open a case per account (or update the account's open case). Columns: account_no,amount_owed,since."""
    from app.supply import arrears_import

    try:
        report = arrears_import.import_csv(file.read_bytes())
    except ServiceError as err:
        raise click.ClickException(err.detail) from None
    for line, reason in report.rejected:
        click.echo(f"第 {line} 行 (line {line}): {reason}", err=True)
    click.echo(
        f"{report.rows} 行：新立案 {report.opened}，更新在办案件 {report.updated}，拒绝 {len(report.rejected)} "
        f"({report.encoding})"
    )
    if report.rejected:
        raise SystemExit(1)

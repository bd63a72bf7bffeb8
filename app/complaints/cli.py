"""`gasflow complaints report`: the monthly valid-complaint report (C14.2) from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.core.errors import ServiceError


@click.group()
def complaints() -> None:
    """Complaint reports (C14.2)."""


@complaints.command("report")
@click.option("--month", help="YYYY-MM (default: last month)")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="write the summary as CSV")
@click.option("--xlsx", "xlsx_path", type=click.Path(dir_okay=False, path_type=Path), help="write summary and cases")
@click.option("--notify", is_flag=True, help="also start the leader's notice for that month, unless it has one")
@with_appcontext
def report(month, csv_path, xlsx_path, notify) -> None:
    """Print a month's counts; optionally export them and tell the responsible leader (once per month)."""
    from app import clock
    from app.complaints import export as complaint_report_export
    from app.complaints import notice as complaint_report_notice
    from app.complaints import report as complaint_report

    month = month or complaint_report.previous_month(clock.now())
    try:
        compiled = complaint_report.compile_month(month)
        for section, item, value in complaint_report_export.summary_rows(compiled):
            click.echo(f"{section}\t{item}\t{value}")
        if csv_path:
            csv_path.write_bytes(complaint_report_export.csv_bytes(compiled))
        if xlsx_path:
            xlsx_path.write_bytes(complaint_report_export.xlsx_bytes(compiled))
        if notify:
            instance = complaint_report_notice.notify(month)
            click.echo(f"notice {instance.business_key} started" if instance else f"{month} already notified")
    except ServiceError as err:
        raise click.ClickException(err.detail) from None

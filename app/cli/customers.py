"""`gasflow customers import|export`, `gasflow demo`, `gasflow backup`, `gasflow restore` (issue 4)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from app.core.errors import ServiceError


def _fail(err: ServiceError) -> None:
    raise click.ClickException(err.detail)


def _backup_now(reason: str) -> None:
    from app.platform import backup

    result = backup.create_backup()
    click.echo(f"backup {result.path} ({reason})")


@click.group()
def customers() -> None:
    """The customer archive (一户一档)."""


@customers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="import the good rows even when some rows are bad")
@click.option("--backup/--no-backup", "take_backup", default=True, help="back up right after (S21.3)")
@with_appcontext
def import_command(file: Path, skip_bad: bool, take_backup: bool) -> None:
    """Import a CSV (UTF-8 with or without BOM, or GBK from Excel). Nothing is imported if any row is bad,
    unless --skip-bad."""
    from app.customers import importer as customer_import

    try:
        report = customer_import.import_csv(file.read_bytes(), skip_bad=skip_bad)
    except ServiceError as err:
        _fail(err)
    for line, reason in report.rejected:
        click.echo(f"第 {line} 行 (line {line}): {reason}", err=True)
    summary = f"{report.rows} 行，导入 {report.imported}，拒绝 {len(report.rejected)} ({report.encoding})"
    if report.refused:
        raise click.ClickException(
            f"{summary}。有错误行，未导入任何数据；修正后重试或使用 --skip-bad (nothing imported)"
        )
    click.echo(summary)
    if take_backup and report.imported:
        _backup_now("S21.3: customer archive changed")


@customers.command("export")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--branch", help="only this branch (name or district)")
@with_appcontext
def export_command(file: Path | None, branch: str | None) -> None:
    """Write the archive as CSV (UTF-8 with BOM, full numbers; the export is logged, S21.4). Default: stdout."""
    from app.customers import export as customer_export

    try:
        if file is None:
            count = customer_export.export_csv(sys.stdout.buffer, branch, note="stdout")
        else:
            with file.open("wb") as out:
                count = customer_export.export_csv(out, branch, note=str(file))
    except ServiceError as err:
        _fail(err)
    click.echo(f"{count} customer(s) exported", err=True)


@click.command()
@click.option("--customers", "count", default=3000, show_default=True, help="make sure this many customers exist")
@with_appcontext
def demo(count: int) -> None:
    """Migrate, load the demo directory (units, staff, customer managers) and a plausible customer archive."""
    from flask_migrate import upgrade

    from app import demo as demo_service

    upgrade()
    for line in demo_service.load_full_directory():
        click.echo(line)
    started = time.perf_counter()

    def progress(done: int, wanted: int) -> None:
        click.echo(f"  {done}/{wanted} customers added ({time.perf_counter() - started:.0f} s)")

    total, added = demo_service.ensure_customers(count, progress)
    click.echo(f"{total} customers in the archive ({added} added in {time.perf_counter() - started:.0f} s)")


@click.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), help="default: settings")
@with_appcontext
def backup(directory: Path | None) -> None:
    """Write a consistent snapshot with its manifest and sha256 checksum (S21.3)."""
    from app.platform import backup as backup_service

    try:
        result = backup_service.create_backup(directory)
    except ServiceError as err:
        _fail(err)
    rows = sum(t["rows"] for t in result.tables.values())
    click.echo(f"{result.path}\nsha256 {result.sha256}; {len(result.tables)} tables, {rows} rows")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="really replace this database")
@with_appcontext
def restore(file: Path, yes: bool) -> None:
    """Replace the database with a backup: checksum first, then every table compared with the manifest."""
    from app.platform import backup as backup_service

    if not yes:
        click.confirm("这将用备份替换当前数据库的全部数据，继续？(replace the whole database)", abort=True)
    try:
        result = backup_service.restore(file)
    except ServiceError as err:
        _fail(err)
    rows = sum(t["rows"] for t in result.tables.values())
    click.echo(f"restored {file}: {len(result.tables)} tables, {rows} rows, all equal to the manifest")

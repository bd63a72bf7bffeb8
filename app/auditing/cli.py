"""`gasflow audit …` commands of the auditors' workplace: seals, bundles (checked with no database)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit() -> None:
    """Check the history: hash chains, replay, seals, audit bundles."""


@audit.command("seal")
@with_appcontext
def seal() -> None:
    """Seal the database now: the Merkle root of every case's chain head, signed, chained to the previous seal."""
    from app.platform import seals

    record = seals.seal_now("on_demand", "cli")
    click.echo(f"seal {record.seq}: {record.cases} case(s), root {record.root}")
    click.echo(f"short code for the paper register: {record.short_code}")


@audit.command("check-seal")
@click.option("--code", help="the short code written in the paper register (default: the newest seal)")
@with_appcontext
def check_seal(code) -> None:
    """Check the database against a seal: deleted cases, cases added afterwards, a rolled-back database."""
    from app.core.errors import ServiceError
    from app.platform import seal_check

    try:
        verdict = seal_check.against_code(code) if code else seal_check.against_latest()
    except ServiceError as err:
        raise click.ClickException(err.detail) from None
    for finding in verdict.findings:
        click.echo(f"{finding.kind}: {finding.text}")
    click.echo(
        f"seal {verdict.seal.short_code}: {verdict.cases_checked} case(s) checked, {len(verdict.findings)} finding(s)"
    )
    if not verdict.ok:
        sys.exit(1)


@audit.command("bundle")
@click.argument("instance_id", required=False, type=int)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="first day (Beijing) of a period")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="last day (Beijing) of a period")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def bundle(instance_id, since, until, output) -> None:
    """Export one case or a period as an audit bundle (ZIP)."""
    from app.auditing import bundles
    from app.core.errors import ServiceError

    try:
        if instance_id is not None:
            ids, scope = [instance_id], f"case {instance_id}"
        elif since and until:
            ids = bundles.instance_ids_for_period(since.date(), until.date())
            scope = f"{since.date()}..{until.date()}"
        else:
            raise click.UsageError("give an instance id or --since and --until")
        output.write_bytes(bundles.build(ids, scope, "cli"))
    except ServiceError as err:
        raise click.ClickException(err.detail) from None
    click.echo(f"{output}: {len(ids)} case(s)")


@audit.command("check-bundle")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--key", "key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="the history keyring file, to check the MACs and the seal signature too")  # fmt: skip
def check_bundle(path, key_file) -> None:
    """Check an audit bundle with no database: files, chains, seal inclusion, replay to the same digests."""
    from app.auditing import bundle_check

    report = bundle_check.check(path, bundle_check.load_key(key_file) if key_file else None)
    for line in report.lines:
        click.echo(line)
    click.echo(f"bundle sha256 {report.digest}")
    click.echo("bundle OK" if report.ok else f"bundle BROKEN: {len(report.problems)} problem(s)")
    if not report.ok:
        sys.exit(1)

"""`gasflow connection commitments` and `gasflow connection progress BZ…`: the commitments in force (S10) and where
an application stands (S18.5), for the branch office without a browser."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from app.extensions import db
from app.models import ProcessInstance


@click.group()
def connection() -> None:
    """Gas connection (获得用气, S18): commitments and progress."""


@connection.command("commitments")
@with_appcontext
def commitments_command() -> None:
    """The working days each step may take, per path (edit them on /connection/commitments as an admin)."""
    from app.connection import commitments

    table = commitments.table()
    click.echo("step\t" + "\t".join(commitments.PATHS))
    for step in commitments.STEPS:
        click.echo(f"{step.label}\t" + "\t".join(str(table[step.key][p]) for p in commitments.PATHS))


@connection.command("progress")
@click.argument("application_no")
@with_appcontext
def progress_command(application_no: str) -> None:
    """The steps of one application with their commitments and the customer's waiting time."""
    from app.connection import progress

    instance = db.session.scalar(
        select(ProcessInstance).where(ProcessInstance.process_key == progress.PROCESS,
                                      ProcessInstance.business_key == application_no.strip().upper())
    )  # fmt: skip
    if instance is None:
        raise click.ClickException(f"没有申请 {application_no} (no such application)")
    view = progress.of_instance(instance)
    click.echo(f"{view.application_no} {view.status} {view.path} {view.branch} {view.manager_name or ''}")
    for step in view.steps:
        due = step.due_at.isoformat() if step.due_at else ""
        click.echo(f"  {step.state:8} {step.label} {step.commitment_days or ''} {due}{' 超时' if step.overdue else ''}")
    for wait in view.waiting:
        click.echo(f"  customer {wait.label} {wait.started_at.isoformat()} → {wait.finished_at or '…'}")

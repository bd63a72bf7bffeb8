"""`gasflow outbox …`: deliver the notification outbox by hand and see where it stands (docs/outbox.md)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def outbox() -> None:
    """Notification outbox (SMS)."""


@outbox.command("deliver")
@click.option("--once", is_flag=True, help="one pass (one batch) instead of until nothing is due")
@with_appcontext
def outbox_deliver(once: bool) -> None:
    """Send what is due, retry what failed, reconcile what a dead sender left in doubt."""
    from app.platform import outbox_delivery

    report = outbox_delivery.deliver() if once else outbox_delivery.deliver_all()
    click.echo(
        f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}, in doubt {report.in_doubt}, "
        f"reconciled as sent {report.reconciled_sent}, found absent and requeued {report.reconciled_absent}"
    )


@outbox.command("status")
@with_appcontext
def outbox_status() -> None:
    """Messages by status."""
    from app.platform import outbox as outbox_service

    for status, count in outbox_service.counts().items():
        click.echo(f"{status}\t{count}")

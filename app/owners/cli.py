"""`gasflow owners …`: what the owners' workplace holds, for operators (issue 14)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def owners() -> None:
    """Process owners' workplace: live versions and drafts."""


@owners.command("status")
@with_appcontext
def status() -> None:
    """Each process: its live version, how it was published, running cases per version, open drafts."""
    from app.owners import versions

    for row in versions.process_list():
        via = row.released.via if row.released is not None else "file"
        running = ", ".join(f"v{v}: {n}" for v, n in sorted(row.running.items())) or "none"
        click.echo(f"{row.key}: live v{row.live.version} ({via}, by {row.publisher}); running {running}; "
                   f"drafts {len(row.drafts)}")  # fmt: skip

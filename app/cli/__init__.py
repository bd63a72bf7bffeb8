"""The `gasflow` command: a Flask CLI group (deploy, users, audit, clock, timers, scheduler, setup, serve)."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from app import create_app
from app.cli.calendar import calendar_group
from app.core.errors import ServiceError
from app.engine import BpmnInvalid


def _fail(err: Exception) -> None:
    raise click.ClickException(getattr(err, "detail", None) or str(err))


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=True)
def main() -> None:
    """GasFlow: the utility's service rules as BPMN processes."""


main.add_command(calendar_group)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--publish", is_flag=True, help="make these files live even over a version published in the browser after review"
)
@with_appcontext
def deploy(paths: tuple[Path, ...], publish: bool) -> None:
    """Deploy BPMN files (default: processes/) with the forms they name, and say which version is live afterwards.
    Idempotent: unchanged files keep their version. A version published in the browser after review stays live
    unless --publish is given (the line says so)."""
    from app import engine
    from app.platform import definitions

    targets = list(paths) or [current_app.config["GASFLOW"].processes_dir]
    try:
        for outcome in definitions.deploy_paths(targets, publish=publish):
            click.echo(outcome.describe(), err=bool(outcome.warning))
    except engine.BpmnInvalid as err:
        for problem in err.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("deployment refused") from None


def _lint_line(path: Path, finding) -> str:
    what = (
        f"{finding.element_id} ({finding.kind}{' ' + finding.name if finding.name else ''})"
        if finding.element_id
        else ""
    )
    fix = f" — 修改方法：{finding.fix}" if finding.fix else ""
    return f"{path}:{finding.line or 0}: {finding.severity}: {what} {finding.message_zh} / {finding.message_en}{fix}"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--offline", is_flag=True, help="only the checks that need no database (no lanes → people, no forms)")
def lint(paths: tuple[Path, ...], offline: bool) -> None:
    """Check BPMN files (default: processes/) and print every problem with its line, as deploy and the modeler do
    (issue 19). Exit status 1 when any file has an error; warnings alone pass."""
    files: list[Path] = []
    for path in paths or (Path("processes"),):
        files.extend(sorted(path.glob("*.bpmn")) if path.is_dir() else [path])
    if offline:
        from app.engine.checks import check

        results = [(f, check(f.read_bytes(), f.name).findings) for f in files]
    else:
        with click.get_current_context().ensure_object(ScriptInfo).load_app().app_context():
            from app.platform import diagram_checks

            results = [(f, diagram_checks.check_diagram(f.read_bytes(), None, f.name)) for f in files]
    errors = 0
    for path, findings in results:
        for finding in findings:
            click.echo(_lint_line(path, finding), err=finding.severity == "error")
        errors += sum(1 for f in findings if f.severity == "error")
    click.echo(f"{len(files)} file(s), {errors} error(s)")
    if errors:
        sys.exit(1)


@main.group()
def users() -> None:
    """Users and API tokens."""


@users.command("add")
@click.argument("username")
@click.option("--unit", required=True, help="unit name, e.g. 客服中心")
@click.option("--role", "roles", multiple=True, default=["staff"], show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--display-name")
@click.option("--superior")
@with_appcontext
def users_add(username, unit, roles, password, display_name, superior) -> None:
    from app.org import users as user_service

    try:
        user = user_service.add_user(username, password, unit, list(roles), display_name, superior)
    except ServiceError as err:
        _fail(err)
    click.echo(f"user {user.username} ({user.unit.name}; {', '.join(sorted(user.roles))}) added")


@users.command("add-system")
@click.argument("name")
@click.option("--display-name", required=True, help="e.g. 收费系统")
@with_appcontext
def users_add_system(name, display_name) -> None:
    """Another system's API client (no password, no roles); diagrams name it as system:NAME in startableBy/sentBy.
    Give it a token with `gasflow users token NAME`."""
    from app.org import users as user_service

    try:
        user = user_service.add_system(name, display_name)
    except ServiceError as err:
        _fail(err)
    click.echo(f"system client {user.username} ({user.display_name}) added; diagrams name it system:{user.username}")


@users.command("token")
@click.argument("username")
@with_appcontext
def users_token(username) -> None:
    """Print a new bearer token (the previous one stops working)."""
    from app.org import users as user_service

    try:
        click.echo(user_service.issue_token(username))
    except ServiceError as err:
        _fail(err)


@main.group()
def audit() -> None:
    """Check the history: hash chains and replay."""


@audit.command("verify")
@click.argument("instance_id", required=False, type=int)
@click.option("--all", "all_", is_flag=True, help="every instance")
@with_appcontext
def audit_verify(instance_id, all_) -> None:
    from app.platform import audit as audit_service

    if instance_id is None and not all_:
        raise click.UsageError("give an instance id or --all")
    try:
        reports = audit_service.verify(None if all_ else instance_id)
    except ServiceError as err:
        _fail(err)
    broken = [r for r in reports if not r.ok]
    for r in broken:
        click.echo(f"instance {r.instance_id}: BROKEN at event {r.first_broken_seq}: {r.reason}")
    click.echo(f"{len(reports)} instance(s) checked, {len(broken)} broken")
    if broken:
        sys.exit(1)


@audit.command("adopt-legacy")
@with_appcontext
def audit_adopt_legacy() -> None:
    """Key the events written before history keys existed (after checking their sha256 chains; hashes untouched)."""
    from app.platform import history

    click.echo(f"{history.adopt_legacy()} event(s) keyed")


@audit.command("rotate-key")
@with_appcontext
def audit_rotate_key() -> None:
    """Add a new current history key to the keyring file (older events and seals keep verifying)."""
    from app.platform import history_keys

    try:
        click.echo(f"current history key: {history_keys.rotate()}")
    except ServiceError as err:
        _fail(err)


@audit.command("replay")
@click.argument("instance_id", type=int)
@with_appcontext
def audit_replay(instance_id) -> None:
    from app.platform import audit as audit_service

    try:
        report = audit_service.replay(instance_id)
    except ServiceError as err:
        _fail(err)
    click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    if not report.ok:
        sys.exit(1)


@main.group()
def clock() -> None:
    """Move the clock (only with GASFLOW_TIME_TRAVEL=1)."""


@clock.command("set")
@click.argument("when")
@with_appcontext
def clock_set(when) -> None:
    from app.platform import clock_admin

    try:
        target = datetime.fromisoformat(when)
        clock_admin.set_clock(target)
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time: {when}") from None
    except ServiceError as err:
        _fail(err)
    click.echo(f"clock set to {target.isoformat()}")


@clock.command("reset")
@with_appcontext
def clock_reset() -> None:
    from app.platform import clock_admin

    try:
        clock_admin.reset_clock()
    except ServiceError as err:
        _fail(err)
    click.echo("clock follows the system time again")


@main.group()
def timers() -> None:
    """Timer operations."""


@timers.command("sweep")
@with_appcontext
def timers_sweep() -> None:
    """Fire every due timer once (one pass)."""
    from app.platform import timers as timer_service

    click.echo(f"{timer_service.sweep()} timer(s) fired")


@main.command()
def scheduler() -> None:
    """Run the scheduler as its own process (any number may run against one PostgreSQL)."""
    from app import scheduler as jobs
    from app.web import observability

    app = current_app._get_current_object()
    observability.serve_metrics_port(app)  # a scheduler process's timer counts, on its own port (issue 18)
    click.echo("scheduler running; Ctrl-C stops it")
    jobs.blocking(app).start()


DEMO_CUSTOMERS = 3000


@main.command()
@click.option("--demo/--no-demo", default=True, help="load the demo directory, users, customers and live cases")
@with_appcontext
def setup(demo: bool) -> None:
    """Migrate the database, seed the calendar, deploy processes/ and (by default) load demo data and cases. Idempotent."""
    from flask_migrate import upgrade

    from app import demo as demo_service
    from app.calendar import admin as calendar_admin
    from app.platform import cases, definitions, history

    upgrade()
    keyed = history.adopt_legacy()  # events from before keyed history (issue 13 §8); 0 on a fresh or adopted database
    if keyed:
        click.echo(f"history: {keyed} earlier event(s) keyed")
    added = calendar_admin.seed_from_package()
    click.echo(f"calendar: {added} day(s) added")
    if demo:  # the directory before the diagrams: a lane that reaches nobody is refused at deploy (issue 11)
        for line in demo_service.load_full_directory():
            click.echo(line)
    try:
        deployed = definitions.deploy_paths([current_app.config["GASFLOW"].processes_dir])
    except BpmnInvalid as err:  # e.g. --no-demo on an empty database: no unit has people yet
        for problem in err.problems:
            click.echo(f"{problem.filename}:{problem.line} {problem.message}", err=True)
        _fail(ServiceError("流程未部署：先建立组织机构和人员（gasflow users add …），再运行 gasflow setup"))
    for outcome in deployed:
        click.echo(outcome.describe(), err=bool(outcome.warning))
    click.echo(f"case list: {cases.index_missing()} case(s) indexed")
    if demo:  # a few thousand customers, as `gasflow demo` makes, and the live demo cases
        total, added = demo_service.ensure_customers(DEMO_CUSTOMERS)
        click.echo(f"{total} demo customers in the archive ({added} added)")
        built = demo_service.load_cases()  # live cases in every flow, at different stages (issue 11)
        for line in built:
            click.echo(line)
        click.echo(f"{len(built)} demo case(s) added")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--scheduler/--no-scheduler", "with_scheduler", default=True, help="run the jobs in this process")
def serve(host, port, threads, with_scheduler) -> None:
    """Serve the app with waitress (no reloader, so the scheduler starts exactly once); --threads 1 serves on one
    thread (app/web/server.py)."""
    from app import scheduler as jobs
    from app.web import observability, server

    app = current_app._get_current_object()
    if with_scheduler:
        jobs.background(app).start()
    observability.serve_metrics_port(app)  # GASFLOW_METRICS_PORT: /metrics on the loopback, off the app (issue 18)
    # Threads hand requests (and the scheduler its timers) back and forth; with CPython's default 5 ms GIL switch
    # interval those hand-offs wait. 0.5 ms measured ~10% more completions per second (bench/http_completions.py).
    sys.setswitchinterval(0.0005)
    # waitress warns "Task queue depth is N" whenever a request waits for a free thread: under load, a line on stderr
    # for nearly every request. A proxy in front queues anyway.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server.serve(app, host, port, threads, announce=click.echo)


from app import areas  # noqa: E402
from app.cli import customers as cli_customers  # noqa: E402  (issue 4: the archive, demo data, backups)
from app.cli.outbox import outbox  # noqa: E402  (issue 16: the notification outbox)

main.add_command(cli_customers.customers)
main.add_command(cli_customers.demo)
main.add_command(cli_customers.backup)
main.add_command(cli_customers.restore)
main.add_command(outbox)
for _area in areas.modules():  # each business area's own sub-group (gasflow complaints …, gasflow arrears …)
    for _command in _area.cli_commands():
        _existing = main.commands.get(_command.name)
        if isinstance(_existing, click.Group) and isinstance(_command, click.Group):
            for _sub in _command.commands.values():  # a workplace adding to a platform group (gasflow audit seal …)
                _existing.add_command(_sub)
        else:
            main.add_command(_command)

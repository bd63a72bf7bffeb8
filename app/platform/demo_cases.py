"""Live demo cases for `make run` (issue 11): cases in every flow at different stages — just opened, due today,
overdue, waiting for a timer, done — so a newcomer sees a working system, not empty inboxes.

Each business area describes its cases as timelines of the real use cases (open the case, claim and complete tasks
with the data a person would enter, deliver the billing system's messages) and registers the describing function
with ``registry.demo(fn)``. This module runs every timeline in one chronological order: before each step the clock
is pinned at the step's moment and the timer sweep runs, exactly as the scheduler would have, so deadlines,
reminders and escalations fire through the diagrams' own timers and every history verifies and replays.

Idempotent: a case is marked (``app_setting`` ``demo_case:<key>``) in the transaction that opens it, and a marked
case is never built again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from app import calendar, clock
from app.calendar import table as workcalendar
from app.core.tx import writes
from app.extensions import db
from app.models import AppSetting, Customer, HumanTask, Timer, Unit
from app.org import users
from app.platform import instances, messages, tasks, timers

MARK = "demo_case:"
Data = dict | Callable[[datetime], dict]
BeforeWork = Callable[[HumanTask, object], None]  # (the claimed task, the user about to complete it)


class DemoError(Exception):
    """A demo timeline that does not fit its diagram (a bug in the area's demo module, never in a person's input)."""


@dataclass(frozen=True)
class Step:
    at: datetime
    label: str
    run: Callable[[CaseRun], None]


@dataclass
class DemoCase:
    """One case: ``open`` first (it returns the new instance id), then the steps in time order."""

    key: str
    title: str
    steps: list[Step] = field(default_factory=list)

    def _add(self, at: datetime, label: str, run: Callable[[CaseRun], None]) -> DemoCase:
        if self.steps and at < self.steps[-1].at:
            raise DemoError(f"demo case {self.key}: step {label} at {at} is earlier than the step before it")
        self.steps.append(Step(at, label, run))
        return self

    def open(self, at: datetime, opener: Callable[[], int]) -> DemoCase:
        """``opener`` runs the area's start use case and returns the instance id."""
        if self.steps:
            raise DemoError(f"demo case {self.key}: open must be the first step")
        return self._add(at, "open", lambda run: run.opened(opener))

    def work(self, at: datetime, element: str, username: str, data: Data | None = None) -> DemoCase:
        """The person claims the open task of ``element`` (unless it is already theirs) and submits ``data``
        (a dict, or a function of the step's moment for data that states times)."""
        return self._add(at, element, lambda run: run.work(element, username, data, at))

    def claim(self, at: datetime, element: str, username: str) -> DemoCase:
        """The person takes the open task into their 我的待办 and leaves it there (work in hand)."""
        return self._add(at, f"claim {element}", lambda run: run.claim(element, username))

    def message(self, at: datetime, name: str, correlation: dict, payload: Data) -> DemoCase:
        """Another system's message (e.g. billing's payment_received), delivered as the API delivers it."""
        return self._add(at, name, lambda run: run.message(name, correlation, payload, at))


@dataclass
class CaseRun:
    case: DemoCase
    before_work: BeforeWork | None = None
    instance_id: int | None = None

    def opened(self, opener: Callable[[], int]) -> None:
        self.instance_id = _open(self.case.key, opener)

    def claim(self, element: str, username: str) -> None:
        tasks.claim(_open_task(self.instance_id, element, self.case.key).id, users.get_by_username(username))

    def work(self, element: str, username: str, data: Data | None, at: datetime) -> None:
        task = _open_task(self.instance_id, element, self.case.key)
        user = users.get_by_username(username)
        if task.assignee_id is None:
            tasks.claim(task.id, user)
        if self.before_work is not None:
            self.before_work(task, user)
        instances.complete_task(task.id, _data(data, at), user)

    def message(self, name: str, correlation: dict, payload: Data, at: datetime) -> None:
        messages.deliver_message(name, correlation, _data(payload, at), None)


def _data(data: Data | None, at: datetime) -> dict:
    return data(at) if callable(data) else dict(data or {})


@writes
def _open(key: str, opener: Callable[[], int]) -> int:
    instance_id = opener()  # the area's start use case joins this transaction, so the mark and the case go together
    db.session.add(AppSetting(key=f"{MARK}{key}", value_json=json.dumps(instance_id), updated_at=clock.now()))
    return instance_id


def _open_task(instance_id: int | None, element: str, key: str) -> HumanTask:
    rows = list(
        db.session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id, HumanTask.state == "ready")
            .execution_options(populate_existing=True)
        )
    )
    for task in rows:
        if task.spec_name == element:
            return task
    raise DemoError(f"demo case {key}: no open task {element} (open: {', '.join(t.spec_name for t in rows) or '-'})")


def loaded() -> dict[str, int]:
    """The demo cases already built: key -> instance id."""
    rows = db.session.execute(select(AppSetting.key, AppSetting.value_json).where(AppSetting.key.like(f"{MARK}%")))
    return {key[len(MARK) :]: json.loads(value) for key, value in rows}


def load(cases: Iterable[DemoCase], before_work: BeforeWork | None = None) -> list[DemoCase]:
    """Build the cases not built yet, all timelines merged in time order, with the scheduler's sweep replayed at each
    timer's due moment in between. ``before_work`` sees each task, claimed, just before it is completed (the form
    walk in tests/web renders its page).
    Returns the cases built."""
    done = loaded()
    pending = [CaseRun(case, before_work) for case in cases if case.key not in done]
    if not pending:
        return []
    now = clock.now()
    timers.sweep()  # whatever else is due fires now, so the sweeps in the past below touch only the demo's timers
    order = sorted((step.at, n, i) for n, run in enumerate(pending) for i, step in enumerate(run.case.steps))
    for at, n, i in order:
        if at > now:
            raise DemoError(f"demo case {pending[n].case.key}: step at {at} lies in the future")
        _sweep_until(at)
        with clock.pinned(at):
            pending[n].case.steps[i].run(pending[n])
    _sweep_until(now)
    return [run.case for run in pending]


def _sweep_until(limit: datetime) -> None:
    """Fire the timers due before ``limit`` each at its own moment (a second late), as the running scheduler would."""
    while True:
        due = db.session.scalar(select(func.min(Timer.due_at)).where(Timer.failed_at.is_(None)))
        if due is None or clock.ensure_aware(due) >= limit:
            return
        with clock.pinned(min(clock.ensure_aware(due) + timedelta(seconds=1), limit)):
            if timers.sweep() == 0:
                return


@dataclass
class Demo:
    """What an area's demo function gets: moments relative to the real now, in Beijing time (``days_ago(3, "09:30")``,
    ``working_days_ago(5, "10:00")``, ``hours_ago(2)``), and customers from the archive, each handed out once."""

    now: datetime
    given: set[int] = field(default_factory=set)

    def customer(self, branch: str, classes: tuple[str, ...] = ("B2",)) -> Customer:
        query = (
            select(Customer)
            .join(Unit, Unit.id == Customer.branch_id)
            .where(Unit.name == branch, Customer.customer_class.in_(classes), Customer.id.not_in(self.given))
            .order_by(Customer.id)
            .limit(1)
        )
        customer = db.session.scalar(query)
        if customer is not None:
            self.given.add(customer.id)
            return customer
        raise DemoError(f"no demo customer of {branch} ({'/'.join(classes)}) left: load the demo customers first")

    @property
    def today(self) -> date:
        return clock.to_local(self.now).date()

    def at(self, day: date, hhmm: str) -> datetime:
        hour, minute = (int(part) for part in hhmm.split(":"))
        return datetime.combine(day, time(hour, minute), tzinfo=calendar.SHANGHAI).astimezone(self.now.tzinfo)

    def days_ago(self, days: int, hhmm: str) -> datetime:
        return self.at(self.today - timedelta(days=days), hhmm)

    def hours_ago(self, hours: float) -> datetime:
        return self.now - timedelta(hours=hours)

    def working_day(self, back: int) -> date:
        """The working day from which ``back`` working days end on the first working day from today: a complaint
        received then is due (C14.1: 5 working days) at the end of today, or of the next working day if today is off."""
        day = self.today
        while not workcalendar.day_info(day)[0]:
            day += timedelta(days=1)
        counted = 0
        while counted < back:  # lands on a working day with exactly ``back`` working days after it up to that day
            day -= timedelta(days=1)
            counted += workcalendar.day_info(day)[0]
        return day

    def working_days_ago(self, back: int, hhmm: str) -> datetime:
        return self.at(self.working_day(back), hhmm)


def beijing(moment: datetime) -> str:
    """ISO with +08:00, as a person's entry is stored."""
    return clock.to_local(moment).replace(microsecond=0).isoformat()

"""What business areas plug into the platform, filled once per app by each area's ``register(app)``.

The platform, the web shell and the scheduler read these and never import an area (tests/unit/test_architecture.py):
an area adds the functions its diagrams call, the checks its forms need beyond JSON Schema, its jobs, its menu links,
its start pages and start use cases, its blueprints, its part of the OpenAPI document and its demo cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

# (submitted data, case data) -> data to record; raises core.errors.Invalid with field errors
TaskRule = Callable[[dict, dict], dict]


@dataclass(frozen=True)
class Job:
    """A background job: every ``seconds`` (interval) or on a cron (``cron`` kwargs, Asia/Shanghai)."""

    id: str
    run: Callable[[], object]
    seconds: float | None = None
    cron: dict | None = None
    first_run_now: bool = False


@dataclass(frozen=True)
class MenuLink:
    """A link in the side menu's 办理 section, shown to users for whom ``visible(user)`` is true."""

    label: str
    endpoint: str
    visible: Callable[[object], bool]


@dataclass(frozen=True)
class CaseLink:
    label: str
    url: str


# (process key, case data, instance id) -> links shown at the top of a case page (e.g. the printable notice)
CaseLinks = Callable[[str, dict, int], list[CaseLink]]


@dataclass(frozen=True)
class StartUseCase:
    """How the start page starts a case of an area's process: the form (forms/<process>/<form_key>.json) and the
    area's own start use case, the one its API calls; ``start(data, user)`` returns the instance id and, when the
    data went to a case already open instead (one open arrears case per account), a sentence saying so."""

    form_key: str
    start: Callable[[dict, object], tuple[int, str | None]]


# now -> the area's demo cases for `make run` (platform.demo_cases.DemoCase timelines ending before now)
DemoCases = Callable[[object], list]


@dataclass
class Registry:
    script_functions: dict[str, Callable] = field(default_factory=dict)
    task_rules: dict[tuple[str, str], TaskRule] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)
    menu: list[MenuLink] = field(default_factory=list)
    start_pages: dict[str, str] = field(default_factory=dict)  # process key -> endpoint of its own start page
    start_use_cases: dict[str, StartUseCase] = field(default_factory=dict)  # process key -> form and use case
    case_links: list[CaseLinks] = field(default_factory=list)
    openapi_paths: dict[str, dict] = field(default_factory=dict)
    openapi_schemas: dict[str, Callable[[], dict]] = field(default_factory=dict)  # built when the document is asked for
    demo_cases: list[DemoCases] = field(default_factory=list)

    def script_function(self, name: str, fn: Callable) -> None:
        self.script_functions[name] = fn

    def task_rule(self, process_key: str, form_key: str, rule: TaskRule) -> None:
        self.task_rules[(process_key, form_key)] = rule

    def job(self, job: Job) -> None:
        self.jobs.append(job)

    def menu_link(self, link: MenuLink) -> None:
        self.menu.append(link)

    def start_page(self, process_key: str, endpoint: str) -> None:
        self.start_pages[process_key] = endpoint

    def start_use_case(self, process_key: str, use: StartUseCase) -> None:
        self.start_use_cases[process_key] = use

    def case_link(self, links: CaseLinks) -> None:
        self.case_links.append(links)

    def demo(self, cases: DemoCases) -> None:
        self.demo_cases.append(cases)

    def openapi(self, paths: dict[str, dict], schemas: dict[str, Callable[[], dict]] | None = None) -> None:
        self.openapi_paths.update(paths)
        self.openapi_schemas.update(schemas or {})


def allowed_by(check: Callable[[object], None]) -> Callable[[object], bool]:
    """A menu link's ``visible`` from the check its page runs (one that raises a ServiceError for a user who may not)."""
    from app.core.errors import ServiceError

    def visible(user) -> bool:
        try:
            check(user)
        except ServiceError:
            return False
        return True

    return visible


def install(app: Flask) -> Registry:
    registry = Registry()
    app.extensions["gasflow_registry"] = registry
    return registry


def registry(app: Flask | None = None) -> Registry:
    return (app or current_app).extensions["gasflow_registry"]

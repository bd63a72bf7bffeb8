"""用户投诉 complaints (C1-C18): the hotline intake and its contract for other systems, the C-rules run when tasks are
completed, the monthly valid-complaint report (C14.2) with its notice job, their pages, API and CLI.

Diagrams: processes/complaint.bpmn, processes/complaint_monthly_report.bpmn; forms in forms/complaint/.
"""

from __future__ import annotations

from flask import Flask

from app.core.registry import Job, MenuLink, allowed_by, registry

# C14.2: the report is checked for every minute on the business clock (not a cron on the system clock), so a scheduler
# that was down on the 1st catches up and a moved demo clock is honoured; first check at start.
MONTHLY_REPORT_CHECK_SECONDS = 60.0


def register(app: Flask) -> None:
    from app.complaints import api, demo, notice, pages, report, rules

    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    plug = registry(app)
    plug.task_rule("complaint", "assign", rules.check_investigators)  # C13.2.5
    plug.task_rule("complaint", "findings", rules.record_talks)  # C13.2.4: both parties
    plug.task_rule("complaint", "assist", rules.check_assist)  # C5.2: the unit assists CSC on a major complaint
    plug.task_rule("complaint", "superior_signoff", rules.record_talks)  # C13.2.4: the direct superior
    plug.job(
        Job("complaint_monthly_report", notice.monthly_job, seconds=MONTHLY_REPORT_CHECK_SECONDS, first_run_now=True)
    )
    plug.start_page("complaint", "complaints.complaint_intake")  # the hotline's keyboard-only intake (C11, C12)
    # C12 checks (receipt time, the person complained about) live in the intake: no other way in (issue 13, item 4).
    plug.intake("complaint", "POST /api/v1/complaints（或投诉登记页面）")
    plug.case_link(pages.report_links)  # the leader's 阅知 task links to the report (C14.2)
    plug.menu_link(MenuLink("投诉月报", "complaints.complaint_report_page", allowed_by(report.require_reader)))
    plug.openapi(api.OPENAPI_PATHS, api.OPENAPI_SCHEMAS)
    plug.demo(demo.complaint_cases)  # `make run`: complaints at every stage, last month's report


def cli_commands() -> list:
    from app.complaints.cli import complaints

    return [complaints]

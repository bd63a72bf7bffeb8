"""The case page (issue 7 §4): key data, the diagram with done/active/overdue elements, the history timeline."""

from __future__ import annotations

from flask import Response, render_template, send_file

from app.core.registry import registry
from app.org import access
from app.platform import attachments, case_view, instances
from app.web.blueprints import pages
from app.web.pages.common import signed_in


def case_context(user, instance) -> dict:
    access.require_view_instance(user, instance)
    summary = case_view.summary(instance)
    links = [link for make in registry().case_links for link in make(instance.process_key, summary.data, instance.id)]
    return {
        "case": summary,
        "case_links": links,
        "marks": case_view.element_marks(instance),
        "timeline": case_view.timeline(instance),
        "assignees": case_view.assignee_names(summary.open_tasks),
    }


@pages.get("/cases/<int:instance_id>")
@signed_in
def case(user, instance_id: int):
    return render_template("case.html", **case_context(user, instances.get(instance_id)))


@pages.get("/cases/<int:instance_id>/diagram.xml")
@signed_in
def case_diagram(user, instance_id: int):
    instance = instances.get(instance_id)
    access.require_view_instance(user, instance)
    return Response(instances.definition_row(instance).xml, mimetype="application/xml")


@pages.get("/cases/<int:instance_id>/attachments/<attachment_id>")
@signed_in
def attachment(user, instance_id: int, attachment_id: str):
    access.require_view_instance(user, instances.get(instance_id))
    reference, path = attachments.find(instance_id, attachment_id)
    return send_file(path, mimetype=reference["content_type"], as_attachment=True, download_name=reference["name"])

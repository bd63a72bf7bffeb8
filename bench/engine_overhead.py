"""What the service layer costs on top of SpiffWorkflow (issue 2 §12).

Runs one 5-user-task process N times: (1) SpiffWorkflow alone, in memory; (2) through GasFlow's services with the
database (SQLite, one process): start, then complete each task with its inbox row, timers, correlations, the hash-chained
events and the optimistic revision check. Prints both rates and their ratio last.

    .venv/bin/python bench/engine_overhead.py [N]
"""

from __future__ import annotations

import sys
import time

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from bench.common import FIVE_TASKS, fresh_app


def spiff_alone(n: int) -> float:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(etree.parse(str(FIVE_TASKS)), filename=FIVE_TASKS.name)
    spec, subs = parser.get_spec("five_tasks"), parser.get_subprocess_specs("five_tasks")
    started = time.perf_counter()
    completions = 0
    for i in range(n):
        workflow = BpmnWorkflow(spec, subs)
        workflow.do_engine_steps()
        while not workflow.completed:
            task = workflow.get_next_task(state=TaskState.READY, manual=True)
            task.data["step"] = i
            task.run()
            workflow.do_engine_steps()
            completions += 1
    return completions / (time.perf_counter() - started)


def through_services(n: int) -> float:
    from app.extensions import db
    from app.org import users
    from app.platform import definitions, instances, tasks

    app, _ = fresh_app()
    with app.app_context():
        definitions.deploy(FIVE_TASKS.read_bytes(), FIVE_TASKS.name)
        started = time.perf_counter()
        completions = 0
        for _ in range(n):
            agent = users.get_by_username("kf_agent")  # as each request resolves its user
            instance = instances.start("five_tasks", {}, agent)
            for _step in range(5):
                [task] = [t for t in tasks.of_instance(instance.id) if t.state == "ready"]
                instances.complete_task(task.id, {}, agent)
                completions += 1
            db.session.remove()
        return completions / (time.perf_counter() - started)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    alone = spiff_alone(n)
    services = through_services(n)
    print(f"SpiffWorkflow alone (memory):        {alone:8.0f} task completions/s")
    print(f"GasFlow services + SQLite (durable): {services:8.0f} task completions/s")
    print(f"ratio services/engine-alone: {services / alone:.3f}")


if __name__ == "__main__":
    main()

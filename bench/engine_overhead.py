"""What the service layer costs on top of SpiffWorkflow (issue 2 §12), and what diagram code costs (issue 13).

Runs one 5-user-task process N times: (1) SpiffWorkflow alone, in memory; (2) through GasFlow's services with the
database (SQLite, one process): start, then complete each task with its inbox row, timers, correlations, the hash-chained
events and the optimistic revision check; (3) the same with a script (two registry calls) and a gateway condition after
every task (bench/fixtures/scripted_tasks.bpmn). Then the cost of one call into the script sandbox: a gateway condition,
a one-line script, a script calling a registry function. Prints the rates and the services/engine ratio last.

    .venv/bin/python -m bench.engine_overhead [N]
"""

from __future__ import annotations

import sys
import time

from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from bench.common import FIVE_TASKS, SCRIPTED_TASKS, fresh_app


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


def through_services(n: int, fixture=FIVE_TASKS) -> float:
    from app.extensions import db
    from app.org import users
    from app.platform import definitions, instances, tasks

    app, _ = fresh_app()
    with app.app_context():
        definitions.deploy(fixture.read_bytes(), fixture.name)
        started = time.perf_counter()
        completions = 0
        for _ in range(n):
            agent = users.get_by_username("kf_agent")  # as each request resolves its user
            instance = instances.start(fixture.stem, {}, agent)
            for _step in range(5):
                [task] = [t for t in tasks.of_instance(instance.id) if t.state == "ready"]
                instances.complete_task(task.id, {}, agent)
                completions += 1
            db.session.remove()
        return completions / (time.perf_counter() - started)


SCRIPT_CALLS = [
    ("gateway condition", "evaluate", 'decision == "approve" and count > 1'),
    ("one-line script", "execute", "count = count + 1"),
    ("script calling a registry function", "execute", "due = add_hours(now(), 6)"),
]


def script_call_costs(calls: int = 2000) -> list[tuple[str, float]]:
    """Microseconds per call into the sandbox, as the engine makes them (case data of about 1 kB)."""
    app, _ = fresh_app()
    with app.app_context():
        environment = app.extensions["gasflow_runtime"].engine.script_engine.environment
        data = {"decision": "approve", "count": 3, "note": "现场核实" * 60, "items": list(range(20))}
        costs = []
        for label, method, source in SCRIPT_CALLS:
            run = getattr(environment, method)
            for _ in range(50):  # warm up (compile cache, workers)
                run(source, dict(data))
            started = time.perf_counter()
            for _ in range(calls):
                run(source, dict(data))
            costs.append((label, (time.perf_counter() - started) / calls * 1e6))
        return costs


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for label, micros in script_call_costs():
        print(f"sandbox call, {label + ':':36s} {micros:8.1f} µs")
    alone = spiff_alone(n)
    scripted = through_services(n, SCRIPTED_TASKS)
    services = through_services(n)
    print(f"GasFlow services, script + condition after each task: {scripted:8.0f} task completions/s")
    print(f"SpiffWorkflow alone (memory):        {alone:8.0f} task completions/s")
    print(f"GasFlow services + SQLite (durable): {services:8.0f} task completions/s")
    print(f"ratio services/engine-alone: {services / alone:.3f}")


if __name__ == "__main__":
    main()

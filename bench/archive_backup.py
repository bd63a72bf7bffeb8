"""S21.3 "用户档案信息…立即备份" (issue 12, item 15): what backing up an archive change at once costs per edit.

Times N customer edits through the use case (records.update, one transaction each, as the API does) with the change
log on, then with its commit hook removed, on a fresh SQLite database; prints ms per edit for both, the difference,
and the bytes the log grows per edit. A full copy per edit, for comparison, is the size of one snapshot.

    .venv/bin/python -m bench.archive_backup [EDITS]
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.common import fresh_app, summary


def _edits(customer_ids: list[int], actor, rounds: int) -> list[float]:
    from app.customers import records

    times = []
    for n in range(rounds):
        started = time.perf_counter()
        records.update(customer_ids[n % len(customer_ids)], {"estate": f"滨江小区{n}"}, actor)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main(edits: int = 300) -> None:
    from app import demo
    from app.customers import change_log
    from app.extensions import db
    from app.models import Customer
    from app.org import users
    from app.platform import backup

    app, _tmp = fresh_app()
    with app.app_context():
        demo.load_customers(2000)
        actor = users.get_by_username("admin")
        ids = [c.id for c in db.session.query(Customer).order_by(Customer.id).limit(200)]
        with_log = _edits(ids, actor, edits)
        size = change_log.log_path().stat().st_size
        event.remove(Session, "after_commit", change_log._write)
        without = _edits(ids, actor, edits)
        event.listen(Session, "after_commit", change_log._write)
        snapshot = backup.create_backup().path.stat().st_size
    print(f"{edits} edits, SQLite, 2000 customers")
    print(f"with the change log:    {summary(with_log)}")
    print(f"without the change log: {summary(without)}")
    mean_with, mean_without = sum(with_log) / edits, sum(without) / edits
    print(f"cost per edit: {mean_with - mean_without:+.2f} ms, {size / edits:.0f} bytes of log "
          f"(a full snapshot is {snapshot / 1024:.0f} KiB)")  # fmt: skip


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))

"""What keyed history costs per event (issue 13 §8): `history.chain` (sha256 chain + HMAC with the history key) against
the sha256 chain alone, in the same process. A task completion writes about three events; compare with the
per-completion time of bench/http_completions.py. Prints the ratio last.

    .venv/bin/python -m bench.history_chain [EVENTS]
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime

from bench.common import fresh_app


class _NoKey:
    """The chain as it was before keys: same code path, no HMAC."""

    current_id = None

    @staticmethod
    def mac(_message: str, _key_id=None) -> None:
        return None


def _rounds(history, events, count: int) -> float:
    from app.platform.history import GENESIS

    best = float("inf")
    for _round in range(5):
        began = time.perf_counter()
        last, head = 0, GENESIS
        for _seq in range(count):
            row = history.chain(1, last, head, events)[0]
            last, head = row["seq"], row["hash"]
        best = min(best, time.perf_counter() - began)
    return best / count * 1e6


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    from app.platform import history
    from app.platform.history import NewEvent

    app, _tmp = fresh_app()
    at = datetime(2026, 3, 2, 1, tzinfo=UTC)
    payload = {"spec_name": "Task_register", "data": {"needs_visit": True, "note": "燃气表附近有气味"}}
    events = [NewEvent("task_completed", at, "kf_agent", 3, task_id="t" * 36, payload=payload, state_digest="d" * 64)]
    with app.app_context():
        keyed_us = _rounds(history, events, count)
        keyring = history.keyring
        history.keyring = _NoKey
        try:
            plain_us = _rounds(history, events, count)
        finally:
            history.keyring = keyring
        keyed_us = min(keyed_us, _rounds(history, events, count))
    print(f"history.chain without keys: {plain_us:.1f} µs/event; with the HMAC: {keyed_us:.1f} µs/event")
    print(f"keyed history adds {keyed_us - plain_us:.1f} µs per event (x{keyed_us / plain_us:.2f})")


if __name__ == "__main__":
    main()

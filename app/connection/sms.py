"""SMS to the applicant about the gas-on visit (S7 预约; S14.1 a visit that cannot be kept is called off in time),
through the platform's notification outbox (docs/outbox.md). Called by the diagram (postScript of 预约通气 and of
上门通气点火 when rescheduled) as the registry function ``notify_applicant``: the message is queued in the step's
transaction, and the recorded answer keeps a replay from queuing it again."""

from __future__ import annotations

from datetime import datetime

from app import clock
from app.platform import outbox

TEXTS = {
    "appointment": "【广元燃气】您的用气报装（申请编号 {no}）已预约上门通气，时间 {at}。如需改约请联系您的客户经理或营业厅。",
    "rescheduled": "【广元燃气】很抱歉，原定的上门通气无法按时进行，已改约至 {at}（申请编号 {no}）。",
}


def notify_applicant(kind: str, application_no: str, phone: str, at_iso: str) -> bool:
    """Queue the message once per (application, kind, time); True when it was new."""
    when = clock.to_local(datetime.fromisoformat(str(at_iso))).strftime("%Y-%m-%d %H:%M")
    text = TEXTS[str(kind)].format(no=application_no, at=when)
    message = outbox.Message(key=f"connection:{application_no}:{kind}:{at_iso}", kind=f"connection_{kind}",
                             recipient=str(phone), text=text, params={"application_no": application_no, "time": when})  # fmt: skip
    return outbox.enqueue(message)

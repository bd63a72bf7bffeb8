"""Notifications people expect (issue 11): the menu counts tasks that reached me or my groups since my last look at
the inbox, and rows new since that visit carry a 新 mark (kept while searching within the visit)."""

from __future__ import annotations

import re

from app.platform import instances, tasks
from tests.web.test_pages import sign_in

UNREAD = re.compile(r'id="unread"[^>]*>\s*新任务 <span class="count new">(\d+)</span>')


def _start(people, key):
    return instances.start("platform_sample", {"customer_name": "张三"}, people["kf_agent"].user, business_key=key)


def _new_in_menu(page: str, view: str) -> int | None:
    found = re.search(rf'data-view="{view}">.*?</a>', page, re.S).group(0)
    badge = re.search(r'class="count new"[^>]*>新 (\d+)<', found)
    return int(badge.group(1)) if badge else None


def _marked(page: str) -> set[str]:
    return set(re.findall(r'<span class="badge new"[^>]*>新</span> <a href="/cases/\d+">([^<]+)</a>', page))


def test_new_tasks_are_counted_in_the_menu_and_marked_until_the_next_visit(app, people, sample):
    agent = sign_in(app, "kf_agent")  # signing in lands on the inbox: a look
    head = sign_in(app, "kf_head")
    assert UNREAD.search(agent.get("/cases").get_data(as_text=True)) is None
    _start(people, "BK-NEW1")
    _start(people, "BK-NEW2")
    elsewhere = agent.get("/cases").get_data(as_text=True)  # not the inbox: nothing is marked read
    assert UNREAD.search(elsewhere).group(1) == "2" and _new_in_menu(elsewhere, "group") == 2
    assert _new_in_menu(elsewhere, "mine") is None

    inbox = agent.get("/inbox?view=group").get_data(as_text=True)
    assert _marked(inbox) == {"BK-NEW1", "BK-NEW2"}  # new since the previous visit
    assert UNREAD.search(inbox) is None and _new_in_menu(inbox, "group") is None  # looked at now
    since = re.search(r'name="since" value="([^"]+)"', inbox).group(1)
    partial = {"HX-Request": "true", "HX-Target": "inbox-results"}
    searched = agent.get("/inbox", query_string={"view": "group", "q": "NEW1", "since": since}, headers=partial)
    assert _marked(searched.get_data(as_text=True)) == {"BK-NEW1"}  # searching within the visit keeps the marks
    unmarked = agent.get("/inbox", query_string={"view": "group", "q": "NEW1"}, headers=partial)
    assert _marked(unmarked.get_data(as_text=True)) == set()  # without it: since the visit just made
    assert _marked(agent.get("/inbox?view=group").get_data(as_text=True)) == set()  # the next visit

    # A task handed on reaches its new holder when it is handed, not when it was made.
    first = next(t for t in tasks.of_instance(_start(people, "BK-NEW3").id) if t.state == "ready")
    agent.get("/inbox?view=group")
    agent.post(f"/tasks/{first.id}/claim", {"next": "/inbox?view=group"})
    agent.post(f"/tasks/{first.id}/delegate", {"to": "kf_head", "next": "/inbox?view=group"})
    menu = head.get("/cases").get_data(as_text=True)
    assert _new_in_menu(menu, "mine") == 1 and _new_in_menu(menu, "group") == 2
    assert _marked(head.get("/inbox?view=mine").get_data(as_text=True)) == {"BK-NEW3"}
    assert UNREAD.search(head.get("/cases").get_data(as_text=True)) is None


def test_tasks_of_other_units_are_not_news_to_me(app, people, sample):
    staff = sign_in(app, "lz_staff")
    _start(people, "BK-NEW9")
    assert UNREAD.search(staff.get("/cases").get_data(as_text=True)) is None

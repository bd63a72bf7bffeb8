"""The responsible leader (分管领导, fg_leader) reads the monthly report (C14.2): a menu link to it and to the overview,
both open for him (issue 11, item 9). His 阅知 task's link to the report: tests/complaints/test_report.py."""

from __future__ import annotations

import re

from tests.web.test_pages import sign_in


def test_C14_2_the_leader_has_menu_links_to_the_monthly_report_and_the_overview(app, people):
    leader = sign_in(app, "fg_leader")
    menu = leader.get("/inbox").get_data(as_text=True)
    nav = menu[menu.index('<nav class="side"') : menu.index("</nav>")]
    report = re.search(r'<a href="([^"]+)">投诉月报</a>', nav)
    assert report and re.search(r'<a href="/overview">总览</a>', nav)
    assert leader.get(report.group(1)).status_code == 200
    assert leader.get("/overview").status_code == 200
    assert "投诉月报" not in sign_in(app, "lz_staff").get("/inbox").get_data(as_text=True)  # a fitter has neither

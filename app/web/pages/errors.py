"""Error pages for the browser (issue 7, must show): a 403, 404, 409 or 422 explained in Chinese with what to do
next. The JSON API under /api keeps its JSON errors; app.web chooses between the two."""

from __future__ import annotations

import re

from flask import redirect, render_template, request, url_for

from app.web.pages.common import plain

_CJK = re.compile(r"[\u4e00-\u9fff]")

# status -> (title, what to do next)
GUIDANCE = {
    400: ("请求有误", "请返回上一页，检查后重新提交。"),
    403: ("没有权限", "此操作需要相应的角色，或此任务不属于您的组。如确需办理，请联系本组部门负责人或系统管理员。"),
    404: ("找不到内容", "链接可能已失效，或您输入的编号有误。请返回待办列表重新查找。"),
    405: ("操作方式不正确", "请从页面上的按钮进行操作。"),
    409: ("操作冲突", "任务或案件刚被他人处理。请刷新页面查看最新状态后再操作。"),
    413: ("文件太大", "请压缩附件或分次上传后重试。"),
    422: ("内容有误", "请按提示修改后重新提交。"),
    429: ("操作太频繁", "请稍候再试。"),
}
CSRF_GUIDANCE = ("页面已过期", "为了安全，表单有时限。请刷新页面后重新操作。")


def is_page_request() -> bool:
    return not request.path.startswith("/api/") and request.path not in {"/healthz", "/readyz", "/metrics"}


def html_error(status: int, detail: str, guidance: tuple[str, str] | None = None):
    """The HTML answer for a browser request, or None when the request wants JSON."""
    if not is_page_request():
        return None
    if status == 401:
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    title, next_step = guidance or GUIDANCE.get(status, ("出错了", "请返回上一页重试。"))
    if not _CJK.search(detail or ""):
        detail = ""  # werkzeug's English default text says nothing staff need
    body = render_template("error.html", status=status, title=title, detail=plain(detail), next_step=next_step)
    return body, status

"""The staff workplace in the browser (issue 7): server-rendered pages in Simplified Chinese, a little htmx.

Each module is one page family, on ``blueprints.pages``; all of them only parse the request, call use cases and render
(no SQL here).
"""

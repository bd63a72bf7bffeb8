"""What every browser asks of the site besides the pages (issue 11, item 13)."""

from __future__ import annotations


def test_favicon_is_an_icon_not_a_404(client):
    with client.get("/favicon.ico") as response:  # a file answer: closed, or pytest reports the open file
        assert response.status_code == 200 and response.mimetype in {"image/vnd.microsoft.icon", "image/x-icon"}
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header

"""Sign-in and sign-out (issue 13, item 11): no enumeration by timing or by 429, no locking someone out from
elsewhere, a session cookie dead after sign-out, Secure cookies behind TLS."""

from __future__ import annotations

import statistics
import time

import pytest

from app import create_app
from app.extensions import db
from app.org import users
from tests.web.test_pages import Browser

SLOW_HASH = "pbkdf2:sha256:60000"  # enough work that a skipped hash would show


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    browser = Browser(client)
    browser.get("/login")
    return browser.post("/login", {"username": username, "password": password},
                        environ_base={"REMOTE_ADDR": address})  # fmt: skip


def test_item11_unknown_and_real_usernames_take_the_same_time(app, client, people):
    """The old login skipped the hash for an unknown name: 111-127 ms against 4 ms."""
    app.config["GASFLOW"] = app.config["GASFLOW"].with_overrides(password_hash_method=SLOW_HASH)
    users.add_user("slow_user", "correct-horse-1", "客服中心", ["staff"])

    def seconds(username: str, address: str) -> float:
        started = time.perf_counter()
        assert _login(client, username, "wrong-password", address).status_code == 401
        return time.perf_counter() - started

    # Interleaved, so a burst of load on a shared machine slows both kinds alike.
    pairs = [(seconds("slow_user", f"10.1.0.{i}"), seconds(f"nobody{i}", f"10.2.0.{i}")) for i in range(6)]
    real, unknown = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
    assert 0.5 < unknown / real < 2.0, (real, unknown)


def test_item11_a_stranger_cannot_lock_someone_else_out(client, people):
    for _ in range(8):
        _login(client, "kf_agent", "guessing-wrong", address="203.0.113.9")
    assert _login(client, "kf_agent", "gasflow-demo", address="203.0.113.9").status_code == 429
    assert _login(client, "kf_agent", "gasflow-demo", address="10.0.0.7").status_code == 303  # the real user


def test_item11_a_429_says_nothing_about_who_exists(client, people):
    answers = {}
    for name in ("kf_agent", "no-such-person"):
        codes = [_login(client, name, "wrong-password", address="198.51.100.1").status_code for _ in range(6)]
        answers[name] = codes
    assert answers["kf_agent"] == answers["no-such-person"] == [401] * 5 + [429]


def test_item11_the_wait_grows_and_one_address_cannot_spray_names(client, people):
    from app.org import signin

    for i in range(signin.ADDRESS_FAILURES_BEFORE_DELAY):
        _login(client, f"user{i}", "x-wrong-1", address="192.0.2.50")
    assert _login(client, "kf_head", "gasflow-demo", address="192.0.2.50").status_code == 429
    assert _login(client, "kf_head", "gasflow-demo", address="192.0.2.51").status_code == 303


def test_item11_a_session_cookie_is_dead_after_sign_out(app, people):
    thief = app.test_client()
    browser = Browser(app.test_client())
    browser.get("/login")
    browser.post("/login", {"username": "kf_agent", "password": "gasflow-demo"})
    cookie = browser.client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert thief.get("/inbox").status_code == 200  # a copied cookie works while the session lives
    browser.get("/inbox")
    assert browser.post("/logout").status_code == 303
    response = thief.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/login").status_code == 200  # no redirect loop for a dead session


@pytest.mark.parametrize("secure", [False, True])
def test_item11_secure_cookies_behind_tls(settings, people, secure):
    app = create_app(settings.with_overrides(secure_cookies=secure))
    with app.app_context():
        try:
            client = app.test_client()
            response = _login(client, "kf_agent", "gasflow-demo")
            assert response.status_code == 303
            cookie_header = response.headers.get("Set-Cookie", "")
            assert ("Secure" in cookie_header) is secure
            assert ("Strict-Transport-Security" in response.headers) is secure
        finally:
            # This second app has its own engine: left to the garbage collector, its pooled PostgreSQL connection
            # was reported (ResourceWarning from psycopg's __del__) inside whichever later test the collector ran in.
            db.session.remove()
            db.engine.dispose()

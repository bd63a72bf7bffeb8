"""Flask's signed-cookie sessions, cheaper where most requests are (issue 18, item 5).

API calls carry a bearer token and no cookie: they get an empty session without a signer being built. A request with a
cookie uses a signer built once per secret key (Flask builds a new one, with its key derivation, on every request).
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class CookieSessions(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signers: dict[tuple, object] = {}

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(key)
        if signer is None:
            signer = self._signers[key] = super().get_signing_serializer(app)
        return signer


def install(app) -> None:
    app.session_interface = CookieSessions()

"""Errors a use case reports; the web layer turns each into JSON with its HTTP status (design.md, HTTP)."""

from __future__ import annotations


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequest(ServiceError):
    status, code = 400, "bad_request"


class Unauthenticated(ServiceError):
    status, code = 401, "unauthenticated"


class Forbidden(ServiceError):
    status, code = 403, "forbidden"


class NotFound(ServiceError):
    status, code = 404, "not_found"


class Conflict(ServiceError):
    status, code = 409, "conflict"


class Invalid(ServiceError):
    status, code = 422, "invalid"


class TooManyRequests(ServiceError):
    status, code = 429, "too_many_requests"


class Unavailable(ServiceError):
    """Nothing was done because a shared resource was busy (all script workers): try again shortly."""

    status, code = 503, "busy"

"""The platform's JSON API under /api/v1 (design.md, HTTP): one module per resource, on ``blueprints.api``."""

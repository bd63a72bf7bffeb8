"""schemathesis on pytest 9.2 (the live server is tests/conftest.py's ``live_api``)."""

from __future__ import annotations

from _pytest.nodes import Node

# schemathesis 4.32's lazy loader (schemathesis.pytest.from_fixture) renames the running test through Node._nodeid,
# which pytest 9.2 replaced by Node._id; this gives it back as a view of _id until schemathesis follows.
if not hasattr(Node, "_nodeid"):
    from _pytest.nodeid import coerce_node_id

    Node._nodeid = property(lambda node: str(node._id), lambda node, value: setattr(node, "_id", coerce_node_id(value)))

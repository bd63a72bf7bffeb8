"""Alembic environment: the app's engine and metadata; the only way GasFlow's schema is made."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

import app.models  # noqa: F401  (registers every table on the metadata)
from app.extensions import db

config = context.config
if config.config_file_name is not None:
    # Keep the loggers the app made (gasflow.*, issue 18): a migration run inside a serving process must not mute them.
    fileConfig(config.config_file_name, disable_existing_loggers=False)
log = logging.getLogger("alembic.env")


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url), target_metadata=db.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = db.engine
    with connectable.connect() as connection:
        options = {**current_app.extensions["migrate"].configure_args}
        options["render_as_batch"] = connection.dialect.name == "sqlite"
        context.configure(connection=connection, target_metadata=db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

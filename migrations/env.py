"""Alembic environment: the URL comes from kcc's settings (KCC_DATABASE_URL), the schema from kcc.models."""
from alembic import context

from kcc import models  # noqa: F401  (registers every table on Base.metadata)
from kcc.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("kcc migrations run online only: use `kcc db upgrade`.")
run_migrations()

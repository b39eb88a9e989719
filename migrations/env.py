"""Alembic environment: the URL comes from kcc's settings (KCC_DATABASE_URL), the schema from kcc.models."""
from alembic import context

from kcc import models  # noqa: F401  (registers every table on Base.metadata)
from kcc.core.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            _run(connection)
        else:
            # SQLite alters a table by copying it; with foreign keys on, dropping the old copy would
            # cascade-delete the rows that point at it. The switch only works outside a transaction.
            driver = connection.connection.driver_connection
            driver.execute("PRAGMA foreign_keys=OFF")
            try:
                _run(connection, check_foreign_keys=True)
            finally:
                driver.execute("PRAGMA foreign_keys=ON")
    engine.dispose()


def _run(connection, check_foreign_keys: bool = False) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if check_foreign_keys:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows pointing at nothing: {broken[:5]}; rolled back")


if context.is_offline_mode():
    raise SystemExit("kcc migrations run online only: use `kcc db upgrade`.")
run_migrations()

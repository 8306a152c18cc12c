"""Alembic environment: runs on the connection `engine.schema` hands it."""

from alembic import context
from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

from engine.models import Base


def render_item(type_, obj, autogen_context):
    """Render our column types as the plain types they store, so migrations never import them."""
    if type_ != "type":
        return False
    if isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    if isinstance(obj, JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return 'sa.JSON().with_variant(postgresql.JSONB(), "postgresql")'
    return False


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()

"""The role the service connects as: never one that row-level security lets through."""

from psycopg import AsyncConnection
from psycopg.rows import DictRow

SERVICE_ROLE = "parley_app"
"""The service's role when none is configured: created and granted by the migration."""

GUARDED_TABLES = ("conversations", "conversation_participants", "chat_sessions", "messages")
"""The tables whose rows row-level security keeps to the acting agent's conversations."""


class ServiceRoleRefused(Exception):
    """The service's role is missing, or would see rows of every agent; the message says why."""


_ROLE_FACTS = """
SELECT current_user AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypasses,
    array(
        SELECT t FROM unnest(%s::text[]) AS t
        WHERE to_regclass(t) IS NOT NULL
            AND pg_has_role(current_user, (SELECT relowner FROM pg_class
                WHERE oid = to_regclass(t)), 'MEMBER')
    ) AS owned
FROM pg_roles r WHERE r.rolname = current_user
"""


async def check_service_role(connection: AsyncConnection[DictRow]) -> None:
    """Raise `ServiceRoleRefused` unless the connection's role is subject to row-level
    security: not a superuser, without BYPASSRLS, owning none of the guarded tables."""
    cursor = await connection.execute(_ROLE_FACTS, (list(GUARDED_TABLES),))
    facts = await cursor.fetchone()
    await connection.rollback()
    if facts is None:
        raise ServiceRoleRefused("the service's role is not found in pg_roles")
    name, owned = facts["name"], facts["owned"]
    if facts["superuser"]:
        raise ServiceRoleRefused(f"the service's role {name!r} is a superuser")
    if facts["bypasses"]:
        raise ServiceRoleRefused(f"the service's role {name!r} has BYPASSRLS")
    if owned:
        raise ServiceRoleRefused(f"the service's role {name!r} owns {', '.join(owned)}")

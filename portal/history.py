"""Database-level history of state tables (docs/security.md R24).

A PostgreSQL trigger on each tracked table writes the row before and after every INSERT, UPDATE
and DELETE into `portal_recordhistory`, so `QuerySet.update()`, `bulk_create` and raw SQL are
recorded as well as `save()` (signal-based history misses them). The acting user comes from a
per-connection setting the middleware (`HistoryContextMiddleware`) and Celery tasks set; rows
written outside any context carry no actor. Columns listed in EXCLUDED (password hashes) never
reach the history. On SQLite (the embedded development default) nothing is tracked.

Apps track their own tables from a migration: `migrations.RunPython(*track("app_table"))`.
"""

from contextlib import contextmanager

from django.db import connection

SETTING = "dxportal.actor"
# Never copied into history: secrets, and noise that changes on every sign-in.
EXCLUDED = ("password", "last_login")

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION portal_record_history() RETURNS trigger AS $$
DECLARE
    actor text := coalesce(current_setting('{SETTING}', true), '');
    actor_id bigint := NULL;
    actor_name text := '';
    old_row jsonb := NULL;
    new_row jsonb := NULL;
    row_key text;
BEGIN
    IF actor <> '' THEN
        actor_id := nullif(split_part(actor, '|', 1), '')::bigint;
        actor_name := substr(actor, length(split_part(actor, '|', 1)) + 2);
    END IF;
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD) - {"'" + "' - '".join(EXCLUDED) + "'"}; END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW) - {"'" + "' - '".join(EXCLUDED) + "'"}; END IF;
    -- A touch of updated_at alone (autosave bumps it on every answer) is not a change of state.
    IF TG_OP = 'UPDATE' AND (old_row - 'updated_at') = (new_row - 'updated_at') THEN RETURN NULL; END IF;
    row_key := coalesce(new_row ->> 'id', old_row ->> 'id');
    INSERT INTO portal_recordhistory (table_name, row_pk, operation, changed_at, actor_id, actor_username,
                                      old, new)
    VALUES (TG_TABLE_NAME, row_key, left(TG_OP, 1), clock_timestamp(), actor_id, actor_name, old_row, new_row);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION portal_recordhistory_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'portal_recordhistory is append-only';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS portal_recordhistory_no_update ON portal_recordhistory;
CREATE TRIGGER portal_recordhistory_no_update BEFORE UPDATE OR DELETE ON portal_recordhistory
    FOR EACH ROW EXECUTE FUNCTION portal_recordhistory_append_only();
"""


def _trigger_sql(table: str) -> str:
    return (f"DROP TRIGGER IF EXISTS {table}_history ON {table};\n"
            f"CREATE TRIGGER {table}_history AFTER INSERT OR UPDATE OR DELETE ON {table}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION portal_record_history();")


def track(*tables: str):
    """(forward, backward) for migrations.RunPython: add (or drop) the history trigger on tables."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                schema_editor.execute(_trigger_sql(table))

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in tables:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_history ON {table};")

    return forward, backward


def install_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION_SQL)


def remove_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_recordhistory_no_update ON portal_recordhistory;"
                              "DROP FUNCTION IF EXISTS portal_recordhistory_append_only();"
                              "DROP FUNCTION IF EXISTS portal_record_history() CASCADE;")


def set_actor(user) -> None:
    """Name the acting user for the triggers on this connection (until reset)."""
    if connection.vendor != "postgresql":
        return
    value = f"{user.pk}|{user.get_username()}" if user is not None and user.is_authenticated else ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, value])


@contextmanager
def acting_as(user):
    """The history context for work outside a request (Celery tasks, management commands)."""
    set_actor(user)
    try:
        yield
    finally:
        set_actor(None)


class HistoryContextMiddleware:
    """Sets the signed-in user as the history actor for the request's database work and clears it
    afterwards: persistent connections (CONN_MAX_AGE) must not lend one user's name to the next
    request. Only touches the database on PostgreSQL, and only for signed-in users."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if connection.vendor != "postgresql" or user is None or not user.is_authenticated:
            return self.get_response(request)
        set_actor(user)
        try:
            return self.get_response(request)
        finally:
            set_actor(None)

"""PostgreSQL roles: an owner that runs migrations, and the application's role, which cannot
UPDATE, DELETE or TRUNCATE audit rows nor disable their triggers.

    python manage.py db_roles                       # print the SQL for this database
    python manage.py db_roles --apply               # run it (connected as a superuser)
    python manage.py db_roles --owner o --app a     # other role names

The owner owns the database, the schema and every table, so only it can ALTER a table (and so
disable a trigger); migrations run as the owner. The application's role may read and write
every table, with two exceptions on ``accounts_auditevent``: SELECT and INSERT only. It is not a
superuser, so it cannot set ``session_replication_role`` to skip triggers either. Tables the
owner creates later grant the same to the application's role (default privileges).

Roles are made without passwords (set one with ``\\password`` in psql, never in a file here);
running it again changes nothing that is already so.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

AUDIT_TABLE = "accounts_auditevent"
NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


# Every table (and the sequences they own) and function in the schema handed to the owner; the
# owner's name is checked against NAME before it is put in.
_OWN_EVERYTHING = """DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO %I', r.tablename, '{owner}');
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
           AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.f, '{owner}');
  END LOOP;
END $$;"""


def role_sql(database: str, owner: str, app: str) -> list[str]:
    """The statements, for ``database``, in order; role names are checked before quoting."""
    for name in (owner, app):
        if not NAME.fullmatch(name):
            raise CommandError(f"{name!r} is not a plain role name (lower case, digits, _).")
    if owner == app:
        raise CommandError("The owner and the application need different roles.")
    db = '"' + database.replace('"', '""') + '"'
    o, a = f'"{owner}"', f'"{app}"'
    create = (
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{0}')"
        " THEN {1}; END IF; END $$;"
    )
    return [
        create.format(owner, f"CREATE ROLE {o} LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS"),
        create.format(
            app, f"CREATE ROLE {a} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
        ),
        f"ALTER DATABASE {db} OWNER TO {o};",
        f"ALTER SCHEMA public OWNER TO {o};",
        # Every table (and the sequences they own) and function in the schema: the owner's.
        _OWN_EVERYTHING.format(owner=owner),
        f"REVOKE ALL ON DATABASE {db} FROM PUBLIC;",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {a};",
        f"GRANT USAGE ON SCHEMA public TO {a};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a};",
        f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {AUDIT_TABLE} FROM {a};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public"
        f" GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public"
        f" GRANT USAGE, SELECT ON SEQUENCES TO {a};",
        # Role names checked against NAME above (bandit B608).
    ]  # nosec B608


class Command(BaseCommand):
    help = (
        "PostgreSQL: the owner role (migrations) and the application role (no UPDATE, DELETE or "
        "TRUNCATE of audit rows). Prints the SQL, or runs it with --apply."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--owner", default="spinepath_owner")
        parser.add_argument("--app", default="spinepath_app")
        parser.add_argument("--apply", action="store_true", help="run it as the connected user")

    def handle(self, *args: Any, owner: str, app: str, apply: bool, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Roles are PostgreSQL's; on SQLite the file's permissions decide who writes, "
                "and the audit log's triggers refuse UPDATE and DELETE."
            )
        statements = role_sql(connection.settings_dict["NAME"], owner, app)
        if not apply:
            self.stdout.write("\n".join(statements))
            return
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        self.stdout.write(f"Owner {owner} and application role {app} set up.")

"""Server-side prepared statements for the geocoder's hot queries (a warm plan per connection).

Django's psycopg cursor binds parameters on the client, so the server parses and plans every
statement again: for the forward statement (trigram selectivity estimates on three index
branches) planning cost about as much as running it. Here each statement is ``PREPARE``d once
per database session and then run with ``EXECUTE name(...)`` through Django's cursor (so it is
still counted and logged like any query). PostgreSQL keeps prepared statements for the session,
whatever happens to transactions, so the bookkeeping is per physical connection.

SQL-level PREPARE needs the same server session from one statement to the next: it does not
work behind a pooler in transaction mode (PgBouncer ``pool_mode = transaction``).
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from django.db import DatabaseError, connection

_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
INVALID_STATEMENT_NAME = "26000"  # SQLSTATE: no prepared statement of that name
_lock = threading.Lock()


@dataclass(frozen=True)
class Statement:
    name: str
    arg_types: tuple[str, ...]  # SQL types of $1, $2, ...
    text: str  # the statement with $1, $2, ... placeholders

    @property
    def prepare_sql(self) -> str:
        return f"PREPARE {self.name} ({', '.join(self.arg_types)}) AS {self.text}"

    @property
    def execute_sql(self) -> str:
        return f"EXECUTE {self.name} ({', '.join(['%s'] * len(self.arg_types))})"


def _session_set(db) -> set:
    """The names prepared on the physical connection of a Django connection wrapper."""
    db.ensure_connection()
    raw = db.connection
    with _lock:
        names = _prepared.get(raw)
        if names is None:
            names = _prepared[raw] = set()
    return names


def execute(cursor, statement: Statement, args: list) -> None:
    """Run a prepared statement on ``cursor`` (preparing it first on a new session)."""
    db = getattr(cursor, "db", connection)
    names = _session_set(db)
    if statement.name not in names:
        cursor.execute(statement.prepare_sql)
        names.add(statement.name)
    try:
        cursor.execute(statement.execute_sql, args)
    except DatabaseError as exc:
        lost = getattr(exc.__cause__, "sqlstate", None) == INVALID_STATEMENT_NAME
        if not lost or db.in_atomic_block:
            raise
        # The session forgot its prepared statements (DISCARD ALL from a pooler, say): outside
        # a transaction nothing was lost but the statement, so prepare it again.
        names.clear()
        cursor.execute(statement.prepare_sql)
        names.add(statement.name)
        cursor.execute(statement.execute_sql, args)

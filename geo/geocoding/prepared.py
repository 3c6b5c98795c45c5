"""Server-side prepared statements for the geocoder's hot queries (a warm plan per connection).

Django's psycopg cursor binds parameters on the client, so the server parses and plans every
statement again: for the forward statement (trigram selectivity estimates on three index
branches) planning cost about as much as running it. Here each statement is ``PREPARE``d once
per database session and then run with ``EXECUTE name(...)`` through Django's cursor (so it is
still counted and logged like any query). PostgreSQL keeps prepared statements for the session,
whatever happens to transactions, so the bookkeeping is per physical connection.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from django.db import connection

_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
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


def _session_set() -> set:
    """The names prepared on the current physical connection."""
    connection.ensure_connection()
    raw = connection.connection
    with _lock:
        names = _prepared.get(raw)
        if names is None:
            names = _prepared[raw] = set()
    return names


def execute(cursor, statement: Statement, args: list) -> None:
    """Run a prepared statement on ``cursor`` (preparing it first on a new session)."""
    names = _session_set()
    if statement.name not in names:
        cursor.execute(statement.prepare_sql)
        names.add(statement.name)
    cursor.execute(statement.execute_sql, args)

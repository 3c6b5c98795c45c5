"""Backups of the database that can be shown to restore.

``dump()`` writes a ``pg_dump`` custom-format archive and, beside it, a manifest (``.json``): the
row count of every table *in the same snapshot as the dump* (the counts are read in a
repeatable-read transaction whose snapshot ``pg_dump --snapshot`` then uses), the archive's
SHA-256, the server and extension versions. The archive is written under a temporary name and
renamed when complete, so a file with the final name is never half written.

``verify()`` restores an archive into a scratch database on the same server, compares every
table's row count with the manifest, and drops the scratch database: a backup nobody has
restored is a hope, not a backup. Passwords travel in the environment of the child processes
(``PGPASSWORD``), never on a command line.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connections
from django.utils import timezone
from psycopg import sql

TABLES = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
"""
VERSIONS = """
SELECT current_setting('server_version'),
       (SELECT json_object_agg(extname, extversion) FROM pg_extension)
"""


ARCHIVE_GLOB = "siaga112-*.dump"


class BackupError(RuntimeError):
    pass


@dataclass
class Verification:
    archive: Path
    tables: int
    rows: int
    mismatches: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _settings(alias: str = "default") -> dict:
    return connections[alias].settings_dict


def _client_args(s: dict) -> tuple[list[str], dict]:
    args = ["-h", s.get("HOST") or "127.0.0.1", "-p", str(s.get("PORT") or 5432)]
    if s.get("USER"):
        args += ["-U", s["USER"]]
    env = {**os.environ, "PGPASSWORD": s.get("PASSWORD") or "", "PGCONNECT_TIMEOUT": "10"}
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return found


def _run(command: list[str], env: dict) -> None:
    # An argument list (no shell) of our own: the tool's path and settings, never request input.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def _connect(s: dict, dbname: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(
        host=s.get("HOST") or "127.0.0.1",
        port=s.get("PORT") or 5432,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        dbname=dbname,
        connect_timeout=10,
        **kwargs,
    )


def _counts(cur) -> dict[str, int]:
    cur.execute(TABLES, ["public"])
    names = [row[0] for row in cur.fetchall()]
    counts = {}
    for name in names:
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("public", name)))
        counts[name] = cur.fetchone()[0]
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(archive: Path) -> Path:
    return archive.with_name(archive.name + ".json")


def dump(out: Path, alias: str = "default") -> dict:
    """Write the archive and its manifest; returns the manifest."""
    s = _settings(alias)
    args, env = _client_args(s)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    with _connect(s, s["NAME"]) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cur.fetchone()
            counts = _counts(cur)
            cur.execute(VERSIONS)
            server, extensions = cur.fetchone()
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            _run(
                [
                    _tool("pg_dump"),
                    *args,
                    "-Fc",
                    "--snapshot",
                    snapshot,
                    "-f",
                    str(partial),
                    "-d",
                    s["NAME"],
                ],
                env,
            )
    os.replace(partial, out)
    manifest = {
        "database": s["NAME"],
        "created_at": timezone.now().isoformat(),
        "server_version": server,
        "extensions": extensions,
        "sha256": _sha256(out),
        "bytes": out.stat().st_size,
        "row_counts": counts,
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return manifest


def verify(archive: Path, alias: str = "default") -> Verification:
    """Restore ``archive`` into a scratch database and compare row counts with its manifest."""
    try:
        manifest = json.loads(manifest_path(archive).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"no readable manifest beside {archive.name}: {exc}") from None
    if _sha256(archive) != manifest.get("sha256"):
        raise BackupError(f"{archive.name} does not match its manifest's SHA-256 (damaged?)")
    s = _settings(alias)
    args, env = _client_args(s)
    scratch = f"verify_{secrets.token_hex(4)}"
    with _connect(s, "postgres", autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
    try:
        _run(
            [
                _tool("pg_restore"),
                *args,
                "--no-owner",
                "--exit-on-error",
                "-d",
                scratch,
                str(archive),
            ],
            env,
        )
        with _connect(s, scratch) as conn, conn.cursor() as cur:
            restored = _counts(cur)
    finally:
        with _connect(s, "postgres", autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )
    expected: dict[str, int] = manifest["row_counts"]
    mismatches = {
        name: (n, restored.get(name)) for name, n in expected.items() if restored.get(name) != n
    }
    return Verification(archive, len(expected), sum(expected.values()), mismatches)


def prune(directory: Path, keep_days: int, keep: Path) -> list[Path]:
    """Delete the archives ``siaga112-*.dump`` (and manifests) older than ``keep_days`` in
    ``directory``; ``keep`` (the one just written) is never deleted."""
    limit = time.time() - keep_days * 86400
    deleted = []
    for archive in sorted(directory.glob(ARCHIVE_GLOB)):
        if archive.resolve() == keep.resolve() or archive.stat().st_mtime >= limit:
            continue
        archive.unlink()
        manifest_path(archive).unlink(missing_ok=True)
        deleted.append(archive)
    return deleted

"""SQL is built only with bound parameters: every raw SQL call site in the project is read
(AST, not regex) and a value formatted into the SQL text fails the test.

Call sites: ``.execute`` / ``.executemany`` / ``.raw`` / ``.extra`` / ``RawSQL`` / ``.copy`` /
``sql.SQL``. Their SQL argument may be a literal, a name (a module constant) or a
concatenation of those; an f-string with a placeholder, ``%`` formatting or ``.format()`` on it
is a violation unless the site is in ALLOWED below with the reason it is safe.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("accounts", "cctv", "config", "geo", "incidents", "layers", "bench", "fixtures")
CALLS = {"execute", "executemany", "raw", "extra", "RawSQL", "copy", "SQL"}

# "path:function" -> why formatting there is safe. Keep this short; prefer bound parameters or
# psycopg.sql.Identifier for names.
ALLOWED = {
    "bench/servers.py:bench_database": "a constant database name (DDL cannot bind identifiers)",
    "geo/management/commands/ensure_extensions.py:handle": "extension names from a constant tuple",
}


def _formatted(node: ast.AST) -> bool:
    """Does this expression format a value into a string?"""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant | ast.JoinedStr):
            return True
        return _formatted(node.left) or _formatted(node.right)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
    )


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _calls(tree: ast.AST, owner: str):
    """(innermost enclosing function name, call) for every call in the tree."""
    return ((o, n) for o, n in _nodes(tree, owner) if isinstance(n, ast.Call))


def _formatted_assignments(tree: ast.AST) -> set[tuple[str, str]]:
    out = set()
    for owner, node in _nodes(tree, "<module>"):
        if isinstance(node, ast.Assign) and _formatted(node.value):
            out.update((owner, t.id) for t in node.targets if isinstance(t, ast.Name))
    return out


def _nodes(node: ast.AST, owner: str):
    for child in ast.iter_child_nodes(node):
        inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else owner
        yield owner, child
        yield from _nodes(child, inner)


def violations() -> list[str]:
    found = []
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel:
                continue
            tree = ast.parse(path.read_text(), filename=rel)
            formatted_names = _formatted_assignments(tree)
            for owner, node in _calls(tree, "<module>"):
                if _call_name(node) not in CALLS:
                    continue
                args = list(node.args[:1]) + [
                    k.value for k in node.keywords if k.arg in ("sql", "query", "where")
                ]
                # A name counts as formatted when it is assigned a formatted string in the
                # same function (query = f"..."; cursor.execute(query)).
                bad = any(
                    _formatted(a) or (isinstance(a, ast.Name) and (owner, a.id) in formatted_names)
                    for a in args
                )
                if bad and f"{rel}:{owner}" not in ALLOWED:
                    found.append(f"{rel}:{node.lineno} in {owner}()")
    return sorted(set(found))


def test_no_value_is_formatted_into_sql():
    assert violations() == []


def test_the_checker_catches_formatting():
    bad = ast.parse('cursor.execute(f"SELECT * FROM t WHERE name = {name}")').body[0].value
    percent = ast.parse('cursor.execute("SELECT %s" % name)').body[0].value
    fmt = ast.parse('cursor.execute("SELECT {}".format(name))').body[0].value
    bound = ast.parse('cursor.execute("SELECT %s", [name])').body[0].value
    assert _formatted(bad.args[0]) and _formatted(percent.args[0]) and _formatted(fmt.args[0])
    assert not _formatted(bound.args[0])


def test_the_checker_follows_a_formatted_variable():
    tree = ast.parse(
        "def f(cursor, name):\n"
        "    query = f'SELECT * FROM t WHERE name = {name}'\n"
        "    cursor.execute(query)\n"
    )
    assert ("f", "query") in _formatted_assignments(tree)


def test_allow_list_entries_still_exist():
    for entry in ALLOWED:
        path, func = entry.split(":")
        assert f"def {func}(" in (ROOT / path).read_text(), f"stale allow-list entry {entry}"

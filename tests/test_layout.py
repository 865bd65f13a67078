"""The layout's rules that import-linter's contracts (pyproject.toml) do not state: no
import cycle anywhere, counting imports inside functions and `TYPE_CHECKING` blocks (the
contracts check cycles between siblings of one folder only), and features reach storage
through the repositories the composition root built, never through the raw database."""

from __future__ import annotations

import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycles_finds_a_loop_and_nothing_else() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES)  # imports in functions and TYPE_CHECKING count
    edges = {m: set(graph.find_modules_directly_imported_by(m)) & graph.modules
             for m in graph.modules}
    assert cycles(edges) == []


RAW_DATABASE = re.compile(r"\bservices\.db\b|\bs\.db\b|\b(\w+Repository|UnitStore|AuditLog|"
                          r"PersonalData|RelayMap|TranslationCache)\(")


def test_features_use_the_repositories_built_once() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in sorted((ROOT / "handlers").rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if RAW_DATABASE.search(line)]
    assert found == []


# What only an adapter may know: a platform's name as a key, its mention syntax, its library.
PLATFORM_KNOWLEDGE = re.compile(r"tg://|<@|[\"'](telegram|discord)[\"']|^\s*(from|import) "
                                r"(telegram|discord)\b")
SQL = re.compile(r"[\"'](SELECT|INSERT|UPDATE|DELETE FROM|CREATE TABLE)\b")


def lines_matching(pattern: re.Pattern[str], *folders: str) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if pattern.search(line)]


def test_features_and_storage_name_no_platform() -> None:
    assert lines_matching(PLATFORM_KNOWLEDGE, "handlers", "storage") == []


def test_no_sql_outside_storage() -> None:
    assert lines_matching(SQL, "bot", "handlers") == []


def test_the_checks_see_what_they_look_for() -> None:
    assert PLATFORM_KNOWLEDGE.search('if platform == "discord":')
    assert PLATFORM_KNOWLEDGE.search("mention = f'tg://user?id={uid}'")
    assert PLATFORM_KNOWLEDGE.search("from telegram import Bot")
    assert SQL.search('await db.execute("SELECT id FROM outbox")')


def test_no_module_over_400_lines() -> None:
    long = [f"{path.relative_to(ROOT)}: {n} lines"
            for folder in ("bot", "handlers", "storage") for path in (ROOT / folder).rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400]
    assert long == []

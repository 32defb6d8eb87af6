"""The codebase's shape (issue 13): imports point one way, modules stay small, time is an argument.

These read the source, not the running program: grimp builds the import graph from every import
statement, those inside functions included, so a cycle hidden behind a late import still counts.
"""

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("api", "config", "disclosure", "documents", "notifications", "public", "reporting", "security", "workspace")
MAX_MODULE_LINES = 600


def application_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, include_external_packages=False, cache_dir=None)


def strongly_connected(graph):
    """Tarjan's strongly connected components of the module graph, each of more than one module."""
    modules = sorted(m for m in graph.modules if ".migrations" not in m)
    known = set(modules)
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & known):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_application_modules(graph):
    cycles = strongly_connected(graph)
    assert not cycles, "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


@pytest.mark.parametrize("lower, upper", [("security", "disclosure")])
def test_lower_app_does_not_import_the_upper_one(graph, lower, upper):
    chains = graph.find_shortest_chains(importer=lower, imported=upper, as_packages=True)
    assert not chains, f"{lower} imports {upper}: " + "; ".join(" → ".join(c) for c in chains)


def test_no_application_module_over_600_lines():
    long = {str(p.relative_to(ROOT)): n for p in application_files()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_unittest_mock_in_application_code():
    offenders = []
    for path in application_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == "unittest.mock" or n.startswith("unittest.mock.") or n == "mock" for n in names):
                offenders.append(str(path.relative_to(ROOT)))
            if isinstance(node, ast.ImportFrom) and node.module == "unittest" and any(a.name == "mock" for a in node.names):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"unittest.mock in application code: {offenders}"

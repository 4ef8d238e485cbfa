"""The shape of the code, checked: no import cycle among guide's modules.

The layers and the features' independence are import-linter contracts (pyproject.toml, run by bin/test). A cycle
inside one layer or one feature passes those contracts, so it is looked for here, over every import grimp finds:
at the top of a module and inside functions alike (an import moved into a function still ties the two modules).
Imports under `if TYPE_CHECKING:` are left out: they never run, so they cannot make an import order matter.

Python runs a package's `__init__` before any module inside it, so `import guide.features.plan.service` also runs
`guide/features/plan/__init__.py`: the graph gets that import too (grimp leaves it out). This is why a feature's
`__init__` holds only its docstring and its blueprint lives in `blueprint.py`, which only create_app imports.
"""

from __future__ import annotations

import grimp


def import_cycles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """Each cycle once, as the shortest chain back to a module from one it imports (sorted, for a stable message)."""
    found: dict[frozenset[str], tuple[str, ...]] = {}
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if back is not None:
                cycle = (module, *back)
                found.setdefault(frozenset(cycle), cycle)
    return sorted(found.values())


def with_package_inits(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """Add what Python does on `import a.b.c` from outside `a.b`: it runs `a/b/__init__.py` (and `a`'s) first."""
    for module in list(graph.modules):
        own = _ancestors(module)
        for imported in list(graph.find_modules_directly_imported_by(module)):
            for package in _ancestors(imported) - own - {module}:
                graph.add_import(importer=module, imported=package)
    return graph


def _ancestors(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:end]) for end in range(1, len(parts))}


def test_guide_has_no_import_cycle() -> None:
    graph = with_package_inits(grimp.build_graph("guide", cache_dir=None, exclude_type_checking_imports=True))
    cycles = import_cycles(graph)
    assert not cycles, "import cycles (move the shared piece down a layer, or into the feature's service):\n" + \
        "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_a_cycle_is_found_even_through_a_function_level_import() -> None:
    """The check itself: grimp's graph holds imports written inside functions, and a three-module loop is seen."""
    graph = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(name)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert import_cycles(graph) == [("pkg.a", "pkg.b", "pkg.c", "pkg.a")]

    packages = grimp.ImportGraph()  # pkg/sub/__init__.py imports its routes, which import pkg.other
    for name in ("pkg", "pkg.sub", "pkg.sub.routes", "pkg.sub.service", "pkg.other"):
        packages.add_module(name)
    packages.add_import(importer="pkg.sub", imported="pkg.sub.routes")
    packages.add_import(importer="pkg.sub.routes", imported="pkg.other")
    packages.add_import(importer="pkg.other", imported="pkg.sub.service")  # runs pkg/sub/__init__.py first
    assert import_cycles(packages) == []
    assert import_cycles(with_package_inits(packages)) == [("pkg.other", "pkg.sub", "pkg.sub.routes", "pkg.other")]

    real = grimp.build_graph("guide", cache_dir=None)
    # guide/__init__.py imports the features inside create_app: grimp counts that import
    assert "guide.features" in real.find_modules_directly_imported_by("guide")

import ast
import graphlib
from pathlib import Path

import aimsite.sdk
from aimsite.sdk import notices, run
from tests.helpers.children import run_child

SDK = Path(aimsite.sdk.__file__).parent
# The SDK's layers, top first: a module imports only modules after it in this list
# (repo → run → reading → arrays, and run → sender → courier → spool → uploads →
# transport, the leaves last).
ORDER = [
    "__init__",
    "repo",
    "run",
    "reading",
    "arrays",
    "sender",
    "courier",
    "spool",
    "uploads",
    "transport",
    "objects",
    "terminal",
    "system",
    "lifecycle",
    "notices",
]
# Imports of a sibling inside a function, kept there on purpose: system.py loads
# platform, subprocess and importlib.metadata, which `import aimsite.sdk` should
# not pay for, and only a run that records system metrics or params needs it.
# Likewise arrays.py, which imports numpy: only reading points back needs it.
LAZY_IMPORTS = {("run", "system"), ("sender", "system"), ("reading", "arrays")}


def _sibling(node: ast.ImportFrom | ast.Import, module: str) -> list[str]:
    """The SDK modules an import statement of `module` loads ("__init__" for
    names taken from the package itself)."""
    modules = {path.stem for path in SDK.glob("*.py")}
    if isinstance(node, ast.Import):
        return [
            alias.name.split(".")[2]
            for alias in node.names
            if alias.name.startswith("aimsite.sdk.")
        ]
    if node.level:
        package = ["aimsite", "sdk"]  # every SDK module sits directly in the package
        base = ".".join(package[: len(package) - node.level + 1])
        target = f"{base}.{node.module}" if node.module else base
    else:
        target = node.module or ""
    if target.startswith("aimsite.sdk."):
        return [target.split(".")[2]]
    if target != "aimsite.sdk":
        return []
    return [alias.name if alias.name in modules else "__init__" for alias in node.names]


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")
    )


def _sdk_imports() -> list[tuple[str, str, bool]]:
    """(importer, imported, inside a function) for every runtime import of one SDK
    module by another; imports under `if TYPE_CHECKING:` never run and are left out."""
    found = []

    def visit(node: ast.AST, module: str, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for imported in _sibling(child, module):
                    if imported != module:
                        found.append((module, imported, in_function))
            nested = isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            visit(child, module, in_function or nested)

    for path in sorted(SDK.glob("*.py")):
        visit(ast.parse(path.read_text(), str(path)), path.stem, False)
    return found


def test_the_import_reader_sees_top_level_lazy_and_package_imports():
    # The checks below are only as good as this reader: it must see each kind.
    imports = set(_sdk_imports())
    assert ("run", "sender", False) in imports
    assert ("sender", "uploads", False) in imports  # `from aimsite.sdk import uploads`
    assert ("__init__", "run", False) in imports
    assert ("sender", "system", True) in imports
    # sender.py's `if TYPE_CHECKING: from aimsite.sdk.run import Run` never runs.
    assert not any(
        importer == "sender" and imported == "run" for importer, imported, _ in imports
    )


def test_sdk_modules_import_each_other_at_the_top_except_for_start_up_cost():
    lazy = {
        (importer, imported) for importer, imported, inside in _sdk_imports() if inside
    }
    assert lazy <= LAZY_IMPORTS, f"imports inside functions: {lazy - LAZY_IMPORTS}"


def test_sdk_imports_point_one_way_and_form_no_cycle():
    graph: dict[str, set[str]] = {}
    for importer, imported, _inside in _sdk_imports():
        graph.setdefault(importer, set()).add(imported)
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a cycle
    upward = [
        (importer, imported)
        for importer, imported, _inside in _sdk_imports()
        if importer in ORDER
        and imported in ORDER
        and ORDER.index(imported) <= ORDER.index(importer)
    ]
    assert not upward, f"imports against the layering {ORDER}: {upward}"


def test_aimsite_warning_is_one_class_wherever_it_is_imported_from():
    assert aimsite.sdk.AimsiteWarning is run.AimsiteWarning is notices.AimsiteWarning
    assert issubclass(aimsite.sdk.AimsiteWarning, UserWarning)


def test_importing_the_sdk_loads_no_django_module():
    done = run_child(
        """
        import sys
        import aimsite.sdk
        from aimsite.sdk import Run, Image, Audio, Text, Figure, Distribution
        loaded = sorted(m for m in sys.modules if m.startswith("django"))
        assert not loaded, loaded
        # Loaded by the first run that records system metrics or params, not here.
        assert "aimsite.sdk.system" not in sys.modules
        # Loaded by the first read of points (reading.py), not by a training script.
        assert "numpy" not in sys.modules
        print("clean")
        """,
        env={},
    )
    assert done.returncode == 0, done.stderr
    assert "clean" in done.stdout

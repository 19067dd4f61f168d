"""The package is grouped by surface, and imports run one way: line/ (and coach/) know no Flask
and nothing above them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

IVR = Path(__file__).resolve().parent.parent / "ivr"
# Pure packages: the menu engine, the coach's models and the trained ear. They may import only themselves (and line).
PURE = ("line", "coach", "ear")
SURFACES = ("voice", "audio", "phone", "checklist", "store", "cli", "web", "map", "rehearse")


def imports_of(path: Path) -> set[str]:
    """Absolute module names `path` imports (relative imports resolved against its package)."""
    package = path.relative_to(IVR.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join(base + tuple(filter(None, [node.module])))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def modules_in(folder: str) -> list[Path]:
    """Every module below ivr/<folder>; a missing or empty folder fails the test that asks."""
    return sorted((IVR / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", [f for f in PURE if (IVR / f).exists()])
def test_pure_packages_import_no_flask_and_nothing_above_them(folder):
    modules = modules_in(folder)
    assert len(modules) >= 2
    for path in modules:
        for name in imports_of(path):
            assert not name.startswith(("flask", "werkzeug")), f"{path.name} imports {name}"
            if name.startswith("ivr."):
                top = name.split(".")[1]
                assert top in (folder, "line"), f"{path.relative_to(IVR)} imports {name}"


@pytest.mark.parametrize("folder", SURFACES)
def test_each_surface_is_a_package_with_its_modules(folder):
    assert (IVR / folder / "__init__.py").is_file()
    assert len(modules_in(folder)) >= 2


def test_no_module_is_left_loose_beside_the_surfaces():
    loose = sorted(p.name for p in IVR.glob("*.py"))
    assert loose == ["__init__.py", "runtime.py"]


def test_templates_and_static_files_sit_beside_their_blueprint():
    assert (IVR / "phone" / "templates" / "phone" / "phone.html").is_file()
    assert (IVR / "phone" / "static" / "player.js").is_file()
    assert (IVR / "checklist" / "templates" / "checklist" / "checklist.html").is_file()
    assert (IVR / "checklist" / "static" / "checklist.css").is_file()
    # Only what every page shares stays at the top.
    assert sorted(p.name for p in (IVR / "templates").iterdir()) == ["base.html", "error.html"]


def test_every_module_name_is_unique_in_the_package():
    names = [p.name for p in IVR.rglob("*.py") if p.name != "__init__.py"]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def module_name(path: Path) -> str:
    parts = path.relative_to(IVR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def top_level_imports(path: Path) -> set[str]:
    """The ivr modules `path` imports when it is loaded (imports inside functions come later, on use):
    `from . import spool` imports the module spool, `from .spool import Spool` the module spool too."""
    package = path.relative_to(IVR.parent).with_suffix("").parts[:-1]
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("ivr")):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join(base + tuple(filter(None, [node.module])))
            for alias in node.names:
                submodule = IVR.parent.joinpath(*f"{module}.{alias.name}".split("."))
                is_module = submodule.with_suffix(".py").is_file() or (submodule / "__init__.py").is_file()
                found.add(f"{module}.{alias.name}" if is_module else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("ivr"))
    return found


def test_no_module_imports_itself_through_others():
    modules = {module_name(p): p for p in IVR.rglob("*.py")}
    graph = {name: {m for m in top_level_imports(path) if m in modules and m != name}
             for name, path in modules.items()}

    def reaches(start: str) -> set[str]:
        seen, todo = set(), list(graph[start])
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(graph[name])
        return seen

    circles = sorted(name for name in graph if name in reaches(name) and not name == "ivr")
    assert circles == []


def test_runtime_imports_only_the_layers_below_the_surfaces():
    below = {module.split(".")[1] for module in top_level_imports(IVR / "runtime.py") if module.startswith("ivr.")}
    assert below <= {"line", "ear", "audio", "checklist", "coach"}

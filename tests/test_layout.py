"""The layout keeps the design of ``docs/design.md``: the dependency rule between the layers, SimPy's
internals in one module, and comments that cite articles and files rather than issue numbers.

The layers, lowest first; a module may import its own layer and those below it, never one above:

    sim  <  analysis.stats  <  analysis.experiments  <  analysis.reporting  <  calibration
         <  analysis.explorer  <  analysis.cli  <  run.py
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = (
    "sim",
    "analysis.stats",
    "analysis.experiments",
    "analysis.reporting",
    "calibration",
    "analysis.explorer",
    "analysis.cli",
    "run",
)
PACKAGES = ("sim", "analysis", "calibration")


def modules() -> list[Path]:
    found = [p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))]
    return [*found, ROOT / "run.py"]


def dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(name: str) -> int | None:
    """The index in ``LAYERS`` of a project module (``None`` for the package ``analysis`` itself or a
    third-party module)."""
    best = None
    for i, prefix in enumerate(LAYERS):
        if name == prefix or name.startswith(prefix + "."):
            best = i
    return best


def imports(source: str, here: str, is_package: bool = False) -> list[str]:
    """Every module the source of module ``here`` imports, absolute, relative imports resolved (inside
    functions too)."""
    package = here if is_package else here.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            out.append(module)
            # ``from analysis import stats`` imports the module analysis.stats
            out.extend(f"{module}.{alias.name}" for alias in node.names)
    return out


def upward(source: str, here: str, is_package: bool = False) -> list[str]:
    """The imports of module ``here`` from a layer above its own."""
    own = layer(here)
    if own is None:
        return []
    return sorted({m for m in imports(source, here, is_package) if (layer(m) or 0) > own})


def test_the_layers_cover_every_module():
    orphans = [dotted(p) for p in modules() if layer(dotted(p)) is None and dotted(p) != "analysis"]
    assert orphans == [], "a module outside every layer: add it to LAYERS and docs/design.md"


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_module_imports_no_layer_above_its_own(path):
    above = upward(path.read_text(encoding="utf-8"), dotted(path), path.name == "__init__.py")
    assert above == [], f"{dotted(path)} imports from a layer above its own"


def test_the_rule_sees_relative_absolute_and_late_imports():
    source = "from ..reporting import charts\nimport run\ndef f():\n    from analysis.cli import main\n"
    assert upward(source, "analysis.experiments.compare") == [
        "analysis.cli",
        "analysis.cli.main",
        "analysis.reporting",  # the package itself: above experiments too
        "analysis.reporting.charts",
        "run",
    ]
    assert (
        upward("from sim import simulate\nfrom ..stats import t_interval\n", "analysis.experiments.x") == []
    )


SIMPY_INTERNALS = re.compile(r"\._(eid|queue)\b")


@pytest.mark.parametrize("path", modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_only_sim_timers_touches_simpys_internals(path):
    if path == ROOT / "sim" / "timers.py":
        return
    hits = [
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SIMPY_INTERNALS.search(line)
    ]
    assert hits == [], f"SimPy internals used outside sim/timers.py at lines {hits}"


ISSUE_REFERENCE = re.compile(r"\bissues? \d+\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "path",
    [*modules(), *sorted((ROOT / "tests").glob("*.py")), *sorted((ROOT / "scenarios").rglob("*.toml"))],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_comments_cite_articles_and_files_not_issue_numbers(path):
    text = path.read_text(encoding="utf-8")
    if path == Path(__file__):
        text = text.replace(ISSUE_REFERENCE.pattern, "")
    hits = [n for n, line in enumerate(text.splitlines(), 1) if ISSUE_REFERENCE.search(line)]
    assert hits == [], f"lines {hits} name an issue: cite the article or the file instead"

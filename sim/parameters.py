"""Scenario parameters: read, check and look up the rule and behaviour values of one scenario.

The schema (``sim/schema.py``) declares every dotted key (``lease.max_total_years``) with its type,
unit, bounds and citation; they are the only keys there are. The baseline (``scenarios/baseline.toml``)
states every one of them once, with its value and reference. A variant names its ``base`` and states
only the keys it changes, either plain (``max_total_years = 8``) or wrapped
(``{value = 8, unit = "year", reference = "..."}``); a value may be dated
(``{values = {2021-10-22 = 6, 2026-10-22 = 8}}``) and is then in force from each date on.

Every user error (unknown key, wrong type, negative duration, share outside [0, 1], shares not
summing to 1, bad enum or date, broken TOML, missing or cyclic base) raises :class:`ScenarioError`
with one line ``<file>: <key>: <problem>`` before any simulation starts. Values are kept in the
file's own units (years stay years); the engine converts them. Table values replace the base's
table whole; they are not merged entry by entry.
"""

from __future__ import annotations

import bisect
import copy
import datetime
import difflib
import functools
import itertools
import json
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

import tomli_w

from . import schema
from .schema import CHOICE, DATE, KEYS, SCHEMA, SHARE, TOML_FORM, Key

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
BASELINE_PATH = SCENARIOS_DIR / "baseline.toml"

META_KEYS = ("name", "description", "reference", "base", *("title", "title_zh", "description_zh"))
#: The scenario's own words shown in charts and briefings, in each language (``title`` and
#: ``description`` English, ``title_zh`` and ``description_zh`` Chinese); like ``description``, a
#: variant inherits none of them from its base.
TEXT_FIELDS = ("title", "title_zh", "description_zh")
#: The TOML files the project reads, and what a message says each holds: a scenario (this module), a
#: sweep (``analysis/experiments/sweep.py``), targets (``calibration/targets.py``). ``file_kind`` tells
#: them apart by their top-level keys.
#: The table of a reform file that groups keys into changes (``[changes] cap = ["lease.max_total_years",
#: "lease.term_years"]``), read by :func:`_changes`; a decomposition (``analysis/experiments/decompose.py``)
#: splits the reform's effect between them.
CHANGES = "changes"
#: Names a change cannot take: the rows a decomposition adds and the scenario every subset starts from.
RESERVED_CHANGES = ("base", "total", "interaction")
FILE_KINDS = {
    "scenario": "a scenario file has sections of keys such as [lease]",
    "sweep": "a sweep file has base and [grid]",
    "targets": "a targets file has base, [[target]] and [[parameter]]",
    "ranges": "a ranges file has [ranges.<section>] tables of plausible ranges",
}
SECTIONS = tuple(dict.fromkeys(key.split(".")[0] for key in KEYS))  # lease, queue, ...
WRAPPER_FIELDS = ("value", "values", "unit", "reference", "description")
SUM_TOLERANCE = 1e-6
MAX_INT_TEXT = 10**308  # the largest whole number a check compares as a float (floats end near 1.8e308)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ScenarioError(ValueError):
    """A user error in a scenario or override. str(err) is ONE line: '<file>: <key>: <problem>'."""


class _Bad(Exception):
    """A problem with one value; ``at`` locates it inside the value (``single``, ``[0].date``)."""

    def __init__(self, problem: str, at: str = ""):
        super().__init__(problem)
        self.problem, self.at = problem, at


def _error(source: str, key: str, bad: _Bad) -> ScenarioError:
    where = key if not bad.at else key + ("" if bad.at.startswith("[") else ".") + bad.at
    return ScenarioError(f"{source}: {where}: {bad.problem}")


def _at(at: str, part: str) -> str:
    return part if not at else at + ("" if part.startswith("[") else ".") + part


# ---------------------------------------------------------------- describing values in messages


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _fmt(x: float) -> str:
    return str(x) if isinstance(x, int) else repr(round(x, 9))


def describe_value(x: object) -> str:
    """A value as a message names it: ``number 1.5``, ``string "x"``, ``a table`` ..."""
    if isinstance(x, bool):
        return "boolean " + ("true" if x else "false")
    if _is_number(x):
        return f"number {_fmt(x)}"
    if isinstance(x, str):
        return f'string "{x}"'
    if isinstance(x, datetime.date):
        return f"date {x.isoformat()}"
    return {list: "a list", dict: "a table"}.get(type(x), type(x).__name__)


#: How a message names each TOML form a value must take.
_EXPECTED = {
    "boolean": "true or false",
    "number": "a number",
    "string": "a string",
    "list": "a list",
    "table": "a table",
}


def _is_form(value: object, form: str) -> bool:
    if form == "boolean" or isinstance(value, bool):
        return form == "boolean" and isinstance(value, bool)
    if form == "number":
        return _is_number(value)
    return isinstance(value, {"string": str, "list": list, "table": dict}[form])


# ---------------------------------------------------------------- checks of single values


def _num(
    x: object,
    at: str = "",
    *,
    share=False,
    whole=False,
    inf_ok=False,
    positive=False,
    low: float | None = 0,
    high: float | None = None,
):
    """Check one number; return it (as int when ``whole``).

    ``share``: within [``low``, ``high``] (default [0, 1]); ``positive``: above ``low`` (0), not equal.
    """
    if not _is_number(x):
        raise _Bad(f"expected a number, got {describe_value(x)}", at)
    if isinstance(x, int) and abs(x) > MAX_INT_TEXT:  # beyond a float, which every check below takes
        raise _Bad(f"must be a number of at most 308 digits, got a whole number of {len(str(abs(x)))}", at)
    if math.isnan(x):
        raise _Bad("must be a number, got nan", at)
    if share:
        low, high = low or 0, 1 if high is None else high
        if not low <= x <= high:
            raise _Bad(f"share must be within [{_fmt(low)}, {_fmt(high)}], got {_fmt(x)}", at)
    if low is not None and x < low:
        raise _Bad(
            f"must not be negative, got {_fmt(x)}"
            if low == 0
            else f"must be at least {_fmt(low)}, got {_fmt(x)}",
            at,
        )
    if positive and x <= (low or 0):
        raise _Bad(
            f"must be positive, got {_fmt(x)}" if not low else f"must be above {_fmt(low)}, got {_fmt(x)}", at
        )
    if math.isinf(x) and not inf_ok:
        raise _Bad("must be finite", at)
    if high is not None and x > high and not math.isinf(x):  # a plausibility bound (``sim/schema.py``)
        no_limit = " (inf for no limit)" if inf_ok else ""
        raise _Bad(f"must be at most {_fmt(high)}{no_limit}, got {_fmt(x)}", at)
    if whole and not math.isinf(x):
        if x != int(x):
            raise _Bad(f"must be a whole number, got {_fmt(x)}", at)
        return int(x)
    return x


def _date(x: object, at: str = "") -> str:
    """Check an ISO date ``YYYY-MM-DD`` (a TOML date or a string); return it as a string."""
    if type(x) is datetime.date:
        return x.isoformat()
    if isinstance(x, str) and _ISO_DATE.fullmatch(x):
        try:
            datetime.date.fromisoformat(x)
            return x
        except ValueError:
            pass
    raise _Bad(f'not a date: "{x}"' if isinstance(x, str) else f"not a date: {describe_value(x)}", at)


def _exact(table: dict, names, at: str = "") -> None:
    for name in table:
        if name not in names:
            raise _Bad(f'unknown entry "{name}" (expected {", ".join(names)})', at)
    for name in names:
        if name not in table:
            raise _Bad(f'missing entry "{name}"', at)


def _sum_to_one(shares, at: str = "") -> None:
    total = sum(shares)
    if abs(total - 1) > SUM_TOLERANCE:
        raise _Bad(f"shares must sum to 1, got {_fmt(total)}", at)


def _share_table(v: dict, spec: Key | None = None, at: str = "") -> dict:
    """{name = share}, summing to 1; the names are the key's ``entries`` when it lists them."""
    if spec is not None and spec.entries:
        _exact(v, spec.entries)
    if not v:
        raise _Bad("must not be empty", at)
    out = {name: _num(share, _at(at, name), share=True) for name, share in v.items()}
    _sum_to_one(out.values(), at)
    return out


# ---------------------------------------------------------------- checks of table and list values


def _family_size(v: dict, spec: Key) -> dict:
    for persons in map(str, v):
        if not (persons.isascii() and persons.isdigit() and int(persons) >= 2):
            raise _Bad(f'"{persons}" is not a household size of 2 or more persons')
    return _share_table({str(int(k)): share for k, share in v.items()})


def _employer_block(v: dict, spec: Key) -> dict:
    _exact(v, spec.entries)
    mean = _num(v["mean_staff"], "mean_staff", low=1, high=schema.MAX_BLOCK_STAFF)
    most = _num(v["max_staff"], "max_staff", whole=True, high=schema.MAX_BLOCK_STAFF)
    if most < mean:
        raise _Bad(f"must be at least mean_staff ({_fmt(mean)}), got {_fmt(most)}", "max_staff")
    return {
        "mean_staff": mean,
        "max_staff": most,
        "family_share": _num(v["family_share"], "family_share", share=True),
    }


def _contract_years(v: dict, spec: Key) -> dict:
    _exact(v, spec.entries)
    for name in ("years", "shares"):
        if not isinstance(v[name], list) or not v[name]:
            raise _Bad(f"expected a non-empty list, got {describe_value(v[name])}", name)
    if len(v["years"]) != len(v["shares"]):
        raise _Bad(
            f"years and shares must have the same length, got {len(v['years'])} and {len(v['shares'])}"
        )
    years = [_num(y, f"years[{i}]") for i, y in enumerate(v["years"])]
    shares = [_num(s, f"shares[{i}]", share=True) for i, s in enumerate(v["shares"])]
    _sum_to_one(shares, "shares")
    return {"years": years, "shares": shares}


def _ordered(v: dict, spec: Key) -> dict:
    """Numbers ≥ 0 (at most 1 in a share range) named by the key's ``entries``, each at least the one before
    (``low ≤ high``)."""
    _exact(v, spec.entries)
    share = spec.type == schema.SHARE_RANGE
    out = {name: _num(v[name], name, share=share) for name in spec.entries}
    for before, name in itertools.pairwise(spec.entries):
        if out[name] < out[before]:
            raise _Bad(f"must be at least {before} ({_fmt(out[before])}), got {_fmt(out[name])}", name)
    return out


def _mix(v: dict, spec: Key) -> dict:
    if not v:
        raise _Bad("must not be empty")
    out = {}
    for name, entry in v.items():
        if name not in spec.choices:
            raise _Bad(f'"{name}" is not a unit type ({", ".join(spec.choices)})')
        if not isinstance(entry, dict):
            raise _Bad(f"expected a table {{share, living_area_m2}}, got {describe_value(entry)}", name)
        _exact(entry, spec.entries, name)
        out[name] = {
            "share": _num(entry["share"], f"{name}.share", share=True),
            "living_area_m2": _num(entry["living_area_m2"], f"{name}.living_area_m2", positive=True),
        }
    _sum_to_one(e["share"] for e in out.values())
    return out


def _projects(v: list, spec: Key) -> list:
    out = []
    for i, project in enumerate(v):
        at = f"[{i}]"
        if not isinstance(project, dict):
            raise _Bad(f"expected a table {{date, units, operator}}, got {describe_value(project)}", at)
        _exact(project, spec.entries, at)
        if not isinstance(project["operator"], str):
            raise _Bad(f"expected a string, got {describe_value(project['operator'])}", f"{at}.operator")
        out.append(
            {
                "date": _date(project["date"], f"{at}.date"),
                "units": _num(project["units"], f"{at}.units", whole=True, high=schema.MAX_UNITS),
                "operator": project["operator"],
            }
        )
    return out


def _names(v: list, spec: Key) -> list:
    """Some of the key's ``choices``: unit types, or the names its unit says (exit reasons, refusals)."""
    what = "a unit type" if spec.type == schema.UNIT_TYPE_LIST else f"one of the {spec.unit}"
    for i, name in enumerate(v):
        if name not in spec.choices:
            shown = f'"{name}"' if isinstance(name, str) else describe_value(name)
            raise _Bad(f"{shown} is not {what} ({', '.join(spec.choices)})", f"[{i}]")
    return list(v)


def _date_list(v: list, spec: Key) -> list:
    return [_date(d, f"[{i}]") for i, d in enumerate(v)]


def _monthly_factors(v: list, spec: Key) -> list:
    """Twelve relative filing rates, January to December, averaging 1 (within 0.001)."""
    if len(v) != 12:
        raise _Bad(f"expected 12 factors (January to December), got {len(v)}")
    factors = [float(_num(x, f"[{i}]")) for i, x in enumerate(v)]
    mean = sum(factors) / 12
    if abs(mean - 1) > 1e-3:
        raise _Bad(f"factors must average 1, got a mean of {_fmt(mean)}")
    return factors


#: The check of each type of table or list value (``sim.schema``).
_CHECKS = {
    schema.SHARE_TABLE: _share_table,
    schema.FAMILY_SIZES: _family_size,
    schema.EMPLOYER_BLOCK: _employer_block,
    schema.MONTHLY_FACTORS: _monthly_factors,
    schema.CONTRACT_LENGTHS: _contract_years,
    schema.RANGE: _ordered,
    schema.SHARE_RANGE: _ordered,
    schema.UNIT_MIX: _mix,
    schema.PROJECT_LIST: _projects,
    schema.UNIT_TYPE_LIST: _names,
    schema.NAME_LIST: _names,
    schema.DATE_LIST: _date_list,
}


def _check_value(spec: Key, value: object) -> object:
    """Check one plain value of the key ``spec`` against its row of the schema (``sim.schema``).

    This one function checks file values, dated values and ``--set`` overrides alike.

    Returns:
        The value, normalised (dates as ISO strings, whole numbers as int, copies of tables).

    Raises:
        _Bad: the problem, to be reported with the file and the key.
    """
    if spec.type == DATE:
        return _date(value)
    form = TOML_FORM[spec.type]
    if not _is_form(value, form):
        raise _Bad(f"expected {_EXPECTED[form]}, got {describe_value(value)}")
    if form == "boolean":
        return value
    if form == "number":
        return _num(
            value,
            share=spec.type == SHARE,
            whole=spec.whole,
            inf_ok=spec.inf_ok,
            positive=spec.low_open,
            low=spec.low,
            high=spec.high,
        )
    if form == "string":
        if spec.type == CHOICE and value not in spec.choices:
            raise _Bad(f'must be one of {", ".join(spec.choices)}, got "{value}"')
        return value
    return _CHECKS[spec.type](value, spec)


def _entry(spec: Key, raw: object):
    """Read one key as written (plain, wrapped or dated). Returns (dated?, value or entries, meta)."""
    if not (isinstance(raw, dict) and ("value" in raw or "values" in raw)):
        return False, _check_value(spec, raw), {}
    for field in raw:
        if field not in WRAPPER_FIELDS:
            raise _Bad(f'unknown field "{field}" (expected value or values, unit, reference)')
    if "value" in raw and "values" in raw:
        raise _Bad("give either value or values, not both")
    for field in ("unit", "reference", "description"):
        if field in raw and not isinstance(raw[field], str):
            raise _Bad(f"expected a string, got {describe_value(raw[field])}", field)
    if "unit" in raw and spec.unit and raw["unit"] != spec.unit:
        raise _Bad(f'unit must be "{spec.unit}" as in the baseline, got "{raw["unit"]}"')
    meta = {field: raw[field] for field in ("unit", "reference") if field in raw}
    if "value" in raw:
        return False, _check_value(spec, raw["value"]), meta
    table = raw["values"]
    if not spec.dated:
        raise _Bad("cannot be dated")
    if not isinstance(table, dict) or not table:
        raise _Bad("values must be a non-empty table of date = value")
    entries = []
    for when, value in table.items():
        try:
            _date(when)
        except _Bad:
            raise _Bad(f'not a date in values: "{when}"') from None
        try:
            entries.append((when, _check_value(spec, value)))
        except _Bad as bad:
            raise _Bad(f"{bad.problem} (value from {when})", bad.at) from None
    return True, tuple(sorted(entries, key=lambda e: e[0])), meta


# ---------------------------------------------------------------- files


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def file_kind(doc: dict) -> str | None:
    """The kind of file (``FILE_KINDS``) that ``doc`` is by its top-level keys: ``grid`` makes a sweep,
    ``target`` or ``parameter`` targets, ``ranges`` a ranges file, a section of the schema (``lease``) a
    scenario; None when no kind or more than one fits (the reader's own checks then say what is wrong)."""
    fits = [
        kind
        for kind, fit in (
            ("scenario", any(name in SECTIONS for name in doc)),
            ("sweep", "grid" in doc),
            ("targets", "target" in doc or "parameter" in doc),
            ("ranges", "ranges" in doc),
        )
        if fit
    ]
    return fits[0] if len(fits) == 1 else None


def read_toml(path: Path, source: str, kind: str = "scenario") -> dict:
    """Read a TOML file expected to be of ``kind`` (``FILE_KINDS``); any failure, and a file of another
    kind, is a ``ScenarioError`` of one line naming the file (``source``)."""
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError:
        raise ScenarioError(f"{source}: no such {kind} file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{source}: is a folder, not a {kind} file") from None
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: invalid TOML: {' '.join(str(err).split())}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{source}: invalid TOML: not UTF-8 text") from None
    except OSError as err:
        raise ScenarioError(f"{source}: cannot read: {err.strerror}") from None
    found = file_kind(doc)
    if found not in (None, kind):
        raise ScenarioError(f"{source}: a {found} file, not a {kind} file ({FILE_KINDS[kind]})")
    return doc


@functools.cache
def _baseline_references() -> dict[str, str]:
    """The ``reference`` the baseline file gives each key (its full text; ``sim.schema`` has the head)."""
    references = {}

    def walk(node: dict, prefix: str) -> None:
        for name, v in node.items():
            if not prefix and name in META_KEYS:
                continue
            if isinstance(v, dict) and "value" not in v and "values" not in v:
                walk(v, prefix + name + ".")
            else:
                references[prefix + name] = v.get("reference", "") if isinstance(v, dict) else ""

    walk(read_toml(BASELINE_PATH, _display(BASELINE_PATH)), "")
    return references


def _suggest(key: str, meta: bool = True) -> str:
    """`` (did you mean lease.max_total_years?)`` for an unknown key; ``meta``: the file's own fields
    (``META_KEYS``) may be meant too, as in a scenario file but not in an override."""
    leaf = key.rsplit(".", 1)[-1]
    same_leaf = [k for k in KEYS if k.rsplit(".", 1)[-1] == leaf]
    close = same_leaf or difflib.get_close_matches(key, list(KEYS) + list(META_KEYS if meta else ()), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _not_a_key(key: str) -> str:
    """Why ``key`` cannot be overridden: a section (its keys are named), a field of the scenario file
    (``META_KEYS``), or an unknown key (with the nearest key)."""
    keys = [k for k in KEYS if k.startswith(key + ".")]
    if keys:
        shown = ", ".join(keys) if len(keys) <= 5 else f"{', '.join(keys[:4])}, ... ({len(keys)} keys)"
        return f"a section, not a key (its keys: {shown})"
    if key in META_KEYS:
        return "a field of the scenario file, not a key: it cannot be set this way"
    return f"unknown key{_suggest(key, meta=False)}"


def _read_entries(doc: dict, source: str) -> dict:
    """Walk a scenario document guided by the schema's keys; check every key it states."""
    entries = {}

    def walk(node: dict, prefix: str) -> None:
        for name, raw in node.items():
            key = prefix + name
            if not prefix and name in META_KEYS:
                if not isinstance(raw, str):
                    raise ScenarioError(f"{source}: {name}: expected a string, got {describe_value(raw)}")
            elif key in KEYS:
                try:
                    entries[key] = _entry(KEYS[key], raw)
                except _Bad as bad:
                    raise _error(source, key, bad) from None
            elif any(k.startswith(key + ".") for k in KEYS):
                if not isinstance(raw, dict):
                    got = describe_value(raw)
                    raise ScenarioError(f"{source}: {key}: expected a table of parameters, got {got}")
                walk(raw, key + ".")
            else:
                while isinstance(raw, dict) and raw and "value" not in raw and "values" not in raw:
                    name, raw = next(iter(raw.items()))  # name the first leaf of an unknown section
                    key += "." + name
                raise ScenarioError(f"{source}: {key}: unknown key{_suggest(key)}")

    walk(doc, "")
    return entries


def scenario_path(name_or_path: str, relative_to: Path | None = None) -> Path:
    """Find a scenario file by name (``"baseline"``) or path.

    Args:
        name_or_path: a scenario name (looked up as ``<name>.toml``) or a path to a TOML file.
        relative_to: folder searched first (a variant's own folder); default the working directory.
            The ``scenarios/`` folder is searched next.

    Returns:
        The absolute, resolved path of the file.

    Raises:
        ScenarioError: ``<name>: no such scenario file``.
    """
    text = str(name_or_path)
    names = [Path(text)] if text.endswith(".toml") else [Path(text), Path(text + ".toml")]
    for folder in (relative_to if relative_to is not None else Path.cwd(), SCENARIOS_DIR):
        for name in names:
            if (folder / name).is_file():
                return (folder / name).resolve()
    raise ScenarioError(f"{text}: no such scenario file")


#: The keys that name a file or a folder the run reads (:func:`data_path`).
DATA_KEYS = ("arrivals.replay", "start.snapshot")


def data_path(params: Params, key: str) -> Path:
    """The file or folder a key names (``arrivals.replay``, ``start.snapshot``), resolved: relative to the
    folder of the scenario file that states the key (the scenario run, or the nearest of its bases), else
    to the working folder; an absolute path as is."""
    p = Path(params.value(key))
    if p.is_absolute():
        return p
    stating = _stating_folder(Path(params.source.split(" + ", 1)[0]), key)
    for folder in (stating, Path.cwd()):
        if (folder / p).exists():
            return (folder / p).resolve()
    return stating / p


def _stating_folder(scenario: Path, key: str) -> Path:
    """The folder of the first file in ``scenario``'s chain of bases that states ``key``."""
    section, leaf = key.split(".", 1)
    for path, doc in chain_of_bases(scenario):
        table = doc.get(section)
        if isinstance(table, dict) and leaf in table:
            return path.parent
    return scenario.parent


def chain_of_bases(scenario: Path) -> list[tuple[Path, dict]]:
    """``(path, TOML document)`` of the scenario file and each of its bases in turn, to the root (the file
    with no ``base``); lenient, since the loader has read the chain already: it stops at a file it cannot
    read."""
    chain, path = [], scenario
    try:
        while path not in (p for p, _ in chain):
            doc = read_toml(path, str(path))
            chain.append((path, doc))
            if "base" not in doc:
                break
            path = scenario_path(doc["base"], path.parent)
    except ScenarioError:
        pass
    return chain


def load_scenario(path: str | Path) -> Params:
    """Load and check a scenario file and its chain of bases.

    Args:
        path: a scenario file, or a scenario name such as ``"baseline"``.

    Returns:
        The scenario's parameters, every key filled in from its bases.

    Raises:
        ScenarioError: one line naming the file, the key and the problem.
    """
    return _load(scenario_path(path), ())


def _load(path: Path, chain: tuple[Path, ...]) -> Params:
    source = _display(path)
    doc = read_toml(path, source)
    groups = doc.pop(CHANGES, None)
    entries = _read_entries(doc, source)
    changes = _changes(groups, entries, source) if groups is not None else {}
    if "base" in doc:
        try:
            base_path = scenario_path(doc["base"], path.parent)
        except ScenarioError:
            raise ScenarioError(f'{source}: base: no such scenario "{doc["base"]}"') from None
        seen = (*chain, path)
        if base_path in seen:
            cycle = " -> ".join(_display(p) for p in (*seen[seen.index(base_path) :], base_path))
            raise ScenarioError(f"{source}: base: base cycle: {cycle}")
        base = _load(base_path, seen)
        plain, dated, meta = dict(base._plain), dict(base._dated), copy.deepcopy(base._meta)
    else:
        missing = sorted(set(KEYS) - set(entries))
        if missing and path != BASELINE_PATH.resolve():
            raise ScenarioError(
                f"{source}: {missing[0]}: missing key (a scenario without base must state every key)"
            )
        references = _baseline_references()
        meta = {k.name: {"unit": k.unit, "reference": references.get(k.name, "")} for k in SCHEMA}
        plain, dated = {}, {}
    _apply(entries, plain, dated, meta)
    return Params(
        plain,
        dated,
        meta,
        name=doc.get("name", path.stem),
        description=doc.get("description", ""),
        reference=doc.get("reference", ""),
        source=source,
        **{field: doc.get(field, "") for field in TEXT_FIELDS},
        stated=tuple(entries),
        changes=changes,
    )


def _changes(groups: object, entries: dict, source: str) -> dict[str, tuple[str, ...]]:
    """The ``[changes]`` table of a reform file: each change's name and the keys it sets together
    (``cap = ["lease.max_total_years", "lease.term_years"]``). Each key must be a key of the schema that
    this file sets, and belong to one change at most; a key the file sets that no change names is a
    change of its own. Raises ScenarioError ``<file>: changes.<name>: <key>: <problem>``."""
    if not isinstance(groups, dict):
        raise ScenarioError(
            f"{source}: {CHANGES}: expected a table of change = [keys], got {describe_value(groups)}"
        )
    owner: dict[str, str] = {}
    out = {}
    for name, keys in groups.items():
        where = f"{source}: {CHANGES}.{name}"
        if name in RESERVED_CHANGES or name in KEYS:
            raise ScenarioError(
                f"{where}: a change cannot be named {name} (reserved: {', '.join(RESERVED_CHANGES)} and keys)"
            )
        if not isinstance(keys, list) or not keys:
            raise ScenarioError(f"{where}: expected a non-empty list of keys, got {describe_value(keys)}")
        for key in keys:
            if not isinstance(key, str):
                raise ScenarioError(f"{where}: expected a key's name, got {describe_value(key)}")
            if key not in KEYS:
                raise ScenarioError(f"{where}: {key}: {_not_a_key(key)}")
            if key not in entries:
                raise ScenarioError(f"{where}: {key}: not set by this file (a change groups keys it sets)")
            if key in owner:
                raise ScenarioError(
                    f'{where}: {key}: already in the change "{owner[key]}" (one change a key)'
                )
            owner[key] = name
        out[name] = tuple(keys)
    return out


def _apply(entries: dict, plain: dict, dated: dict, meta: dict) -> None:
    for key, (is_dated, value, key_meta) in entries.items():
        plain.pop(key, None)
        dated.pop(key, None)
        (dated if is_dated else plain)[key] = value
        meta[key] = {**meta[key], **key_meta}


def base_reference(base_path: str | Path, out_dir: str | Path) -> str:
    """What a scenario delta written into ``out_dir`` states as ``base`` so that the loader finds
    ``base_path``: its name when the loader would find that name from there (the delta's own folder or
    ``scenarios/``), else its path relative to ``out_dir``."""
    base_path, out_dir = Path(base_path).resolve(), Path(out_dir).resolve()
    try:
        if scenario_path(base_path.stem, out_dir) == base_path:
            return base_path.stem
    except ScenarioError:
        pass
    return Path(os.path.relpath(base_path, out_dir)).as_posix()


def delta_toml(
    base: str,
    name: str,
    description: str,
    reference: str,
    changes: Mapping[str, object],
    comments: Sequence[str] = (),
) -> str:
    """The text of a scenario delta (a variant, as ``scenarios/cap8.toml``): ``comments`` as ``#`` lines,
    then ``base``, ``name``, ``description`` and ``reference``, then one table per section holding only the
    changed keys. A change is a plain value or a table ``{value, unit, reference}``, as in the baseline.
    The one writer of deltas: the explorer's saved variants and the fitted scenarios of calibration."""
    doc: dict = {"base": base, "name": name, "description": description, "reference": reference}
    for key, value in changes.items():
        *sections, leaf = key.split(".")
        node = doc
        for section in sections:
            node = node.setdefault(section, {})
        node[leaf] = value
    return "".join(f"# {line}\n" for line in comments) + tomli_w.dumps(doc)


def setting_text(value: object) -> str:
    """A value as the user types it after ``--set KEY=`` (TOML, read back by :func:`parse_set` as the same
    value): ``8`` (a whole float without its ``.0``), ``2.5`` (the shortest text of a float), ``inf``,
    ``true``, ``batch`` (a string bare), ``[1, 2]``, ``{ single = 0.5 }``. What names a variant by its
    changes (:meth:`Params.variant`) and what the explorer shows."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return (
            repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf" if value < 0 else "nan")
        )
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple | Mapping | datetime.date):
        return _inline(value)
    return str(value)


def _inline(value: object) -> str:
    """A value as inline TOML: ``[1, 2]``, ``{ single = 0.5, "two words" = "x" }``."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    if isinstance(value, Mapping):
        keys = [k if re.fullmatch(r"[A-Za-z0-9_-]+", str(k)) else json.dumps(str(k)) for k in value]
        return (
            "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in zip(keys, value.values(), strict=True)) + " }"
        )
    return setting_text(value)


def variant_name(name: str, changes: Mapping[str, object]) -> str:
    """``cap8 + lease.max_total_years=3, queue.validity_years=1``: a scenario's name followed by each
    changed key and its value (:func:`setting_text`), or the name alone when nothing changed."""
    if not changes:
        return name
    return f"{name} + " + ", ".join(f"{key}={setting_text(v)}" for key, v in changes.items())


def parse_set(arg: str) -> tuple[str, object]:
    """Parse one ``--set KEY=VALUE`` argument.

    The value is read as TOML (``8``, ``inf``, ``true``, ``[1, 2]``, ``{single = 0.5, ...}``), or kept as
    a plain string when it is not valid TOML (so ``allocation.mode=batch`` works).

    Returns:
        (key, value); the value is checked later, by :meth:`Params.with_overrides`.

    Raises:
        ScenarioError: the argument has no ``=`` or no key.
    """
    key, sep, text = arg.partition("=")
    key, text = key.strip(), text.strip()
    if not sep or not key:
        raise ScenarioError(f"--set: {arg}: expected KEY=VALUE")
    try:
        return key, tomllib.loads("v = " + text)["v"]
    except tomllib.TOMLDecodeError:
        return key, text


class Params:
    """The checked parameters of one scenario: every key's value, possibly dated. Do not mutate values.

    Attributes:
        name, description, reference: the scenario's own meta fields ('' when absent; name defaults
            to the file's stem).
        title, title_zh, description_zh: its title in English and Chinese and its description in
            Chinese (``TEXT_FIELDS``; '' when absent).
        source: the file the scenario was loaded from, plus any override sources (for messages).
        overrides: ``{key: value}`` set on top of the file (``--set``, the explorer), in the order
            given; empty for a scenario as its file states it. A variant (:meth:`variant`) is named
            after them.
        stated: the keys the scenario file itself sets, in the file's order (its bases' left out).
        changes: the file's ``[changes]``: ``{change name: its keys}`` (:func:`_changes`).
        own_name: the name the scenario file gives (``name`` is what a run is shown as, and may add
            the overrides).
        start_date: simulated day 0: ``calendar.start_date``, or the date of the snapshot the run starts
            from (``start.snapshot``).
    """

    def __init__(
        self,
        plain: dict,
        dated: dict,
        meta: dict,
        *,
        name: str,
        description: str,
        reference: str,
        source: str,
        blame: str | None = None,
        title: str = "",
        title_zh: str = "",
        description_zh: str = "",
        overrides: Mapping[str, object] | None = None,
        own_name: str | None = None,
        stated: tuple[str, ...] = (),
        changes: Mapping[str, tuple[str, ...]] | None = None,
    ):
        self._plain, self._dated, self._meta = plain, dated, meta
        self.name, self.description, self.reference, self.source = name, description, reference, source
        self.overrides = dict(overrides or {})
        self.own_name = name if own_name is None else own_name
        self.stated, self.changes = stated, dict(changes or {})
        # the scenario's words for charts and briefings (TEXT_FIELDS); '' when the file states none
        self.title, self.title_zh, self.description_zh = title, title_zh, description_zh
        self.start_date = datetime.date.fromisoformat(plain["calendar.start_date"])
        if plain.get("start.snapshot"):  # the run starts on the snapshot's date (docs/snapshot-data.md)
            from .snapshot import snapshot_date

            self.start_date = snapshot_date(data_path(self, "start.snapshot"), blame or source)
        self._days = {
            key: [max(0, (datetime.date.fromisoformat(when) - self.start_date).days) for when, _ in entries]
            for key, entries in dated.items()
        }
        self._check_across(blame or source)

    def _check_across(self, source: str) -> None:
        """Rules that tie one key to another, checked on the merged scenario."""
        start = self.start_date.isoformat()
        for key, entries in self._dated.items():
            if entries[0][0] > start:
                raise ScenarioError(
                    f"{source}: {key}: dated values must begin on or before "
                    f"calendar.start_date {start}, first is {entries[0][0]}"
                )
        operators = {name for shares in self._all_values("supply.operator_shares") for name in shares}
        for projects in self._all_values("supply.projects"):
            for i, project in enumerate(projects):
                if project["operator"] not in operators:
                    known = ", ".join(sorted(operators))
                    raise ScenarioError(
                        f'{source}: supply.projects[{i}].operator: "{project["operator"]}" '
                        f"is not one of supply.operator_shares ({known})"
                    )

    def _all_values(self, key: str) -> list:
        if key in self._dated:
            return [value for _, value in self._dated[key]]
        return [self._plain[key]] if key in self._plain else []

    @property
    def warmup_days(self) -> float:
        """The days dropped from time averages and wait cohorts: ``analysis.warmup_days``, none for a run
        that starts from the operators' snapshot (``start.snapshot``: its first day is today's state)."""
        return 0.0 if self._plain.get("start.snapshot") else float(self.value("analysis.warmup_days"))

    def keys(self) -> list[str]:
        """All dotted parameter keys, sorted."""
        return sorted([*self._plain, *self._dated])

    def value(self, key: str, day: float = 0.0):
        """The value of ``key`` in force on simulated ``day`` (day 0 = start_date).

        Raises:
            KeyError: unknown key.
        """
        if key in self._plain:
            return self._plain[key]
        entries = self._dated[key]
        return entries[max(0, bisect.bisect_right(self._days[key], day) - 1)][1]

    def resolved(self, day: float = 0.0) -> dict[str, object]:
        """Flat ``{key: value in force on that day}`` for every key."""
        return {key: self.value(key, day) for key in self.keys()}

    def change_days(self) -> list[int]:
        """Sorted simulated days > 0 on which some dated value switches (earlier dates count as day 0)."""
        return sorted({day for days in self._days.values() for day in days if day > 0})

    def is_dated(self, key: str) -> bool:
        """Whether ``key`` has dated values. Raises KeyError for an unknown key."""
        if key not in self._plain and key not in self._dated:
            raise KeyError(key)
        return key in self._dated

    def with_overrides(self, overrides: dict[str, object], source: str = "--set") -> Params:
        """A new Params with some keys replaced, each checked exactly like a file value.

        Args:
            overrides: ``{dotted key: value}``; a value may be plain, wrapped or dated as in a file.
            source: names the origin of the overrides in error messages.

        Raises:
            ScenarioError: ``<source>: <key>: <problem>``.
        """
        entries = {}
        for key, raw in overrides.items():
            if key not in KEYS:
                raise ScenarioError(f"{source}: {key}: {_not_a_key(key)}")
            try:
                entries[key] = _entry(KEYS[key], raw)
            except _Bad as bad:
                raise _error(source, key, bad) from None
        plain, dated, meta = dict(self._plain), dict(self._dated), copy.deepcopy(self._meta)
        _apply(entries, plain, dated, meta)
        return Params(
            plain,
            dated,
            meta,
            name=self.name,
            description=self.description,
            reference=self.reference,
            source=f"{self.source} + {source}",
            blame=source,
            **{field: getattr(self, field) for field in TEXT_FIELDS},
            overrides={**self.overrides, **overrides},
            own_name=self.own_name,
            stated=self.stated,
            changes=self.changes,
        )

    def variant(self, overrides: dict[str, object], source: str = "--set") -> Params:
        """:meth:`with_overrides`, named after every change on top of the scenario file
        (:func:`variant_name`: ``cap8 + lease.max_total_years=3``), so that a run with overrides is
        never shown, recorded or stored under the file's own name."""
        variant = self.with_overrides(overrides, source)
        variant.name = variant_name(self.own_name, variant.overrides)
        return variant

    def setting(self, key: str) -> object:
        """The value of ``key`` as a file states it, dated values whole: the plain value, or
        ``{"values": {date: value}}``; what :meth:`with_overrides` takes back. Raises KeyError."""
        return {"values": dict(self._dated[key])} if self.is_dated(key) else self._plain[key]

    def to_dict(self) -> dict:
        """Every key's value as a nested plain dict (dated keys as ``{"values": {date: value}}``)."""
        out: dict = {}
        for key in self.keys():
            *sections, leaf = key.split(".")
            node = out
            for section in sections:
                node = node.setdefault(section, {})
            node[leaf] = self.setting(key)
        return copy.deepcopy(out)

    def meta(self, key: str) -> dict:
        """``{"unit", "reference"}`` of ``key``: the baseline's, or the variant's if it states them."""
        return dict(self._meta[key])

    def __repr__(self) -> str:
        return f"Params(name={self.name!r}, source={self.source!r})"

"""The policy explorer: a local web page (Solara) where an analyst changes rule values, runs the variant
against its base on common seeds and keeps what they found as a scenario file.

    python run.py explore [--port 8765] [--scenarios-dir scenarios] [--base baseline] [--reps 10]

The page: pick a base scenario; change rule values with controls named by the measures' terms and
articles, each with the base's value beside it; "Run" simulates the replications in worker processes
(progress shown, the page stays live) and draws the briefing's charts for the variant against the base;
"Save as scenario" writes the variant as a delta file; "Briefing" writes the briefing PDF. A value the
scenario loader refuses is marked at its control with the loader's message, and nothing already run is
lost; when Run is off, the page says why. A run is shown and recorded under the rules that ran
(``baseline + lease.max_total_years=8``), whatever the save box says. Chinese and English labels come
from ``analysis.reporting.terms`` and the explorer's own ``words``. The logic lives in
``analysis.explorer.core``; this module only lays out the page; ``core.serve`` serves it.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets
import solara
import solara.lab

from sim import Params, ScenarioError, load_scenario

from ..experiments.outputs import write_comparison
from ..experiments.runner import MAX_SEED, seeds_problem
from ..reporting.fonts import FAMILY, FONT_FILE
from ..reporting.terms import term
from ..reporting.titles import changes_text, scenario_title
from . import core
from .words import word


@dataclass
class RunResult:
    """A finished run, kept until the next one finishes (a failed or stopped run keeps it)."""

    base_name: str
    base: Params
    variant: Params
    changes: dict
    reps: int
    seed: int
    cmp: object
    compare_dir: Path
    images: dict = field(default_factory=dict)  # lang -> {chart: PNG bytes}

    @property
    def signature(self) -> tuple:
        return (self.base_name, tuple(sorted(self.changes.items())), self.reps, self.seed)


OPTIONS = core.Options.from_env()
#: The charts' Chinese font (``analysis.reporting.fonts``), served by Solara from ``/static/assets``
#: (``serve`` adds its folder), so that Chinese shows on machines without a CJK system font.
FONT_CSS = f"""
@font-face {{ font-family: "{FAMILY}"; src: url("/static/assets/{FONT_FILE}") format("opentype"); }}
.v-application, .v-application .text-h6, .v-btn {{ font-family: Roboto, "{FAMILY}", sans-serif !important; }}
.prh-control .v-input {{ margin-top: 2px; padding-top: 10px; }}
"""

lang = solara.reactive(OPTIONS.lang)
base_name = solara.reactive(OPTIONS.base)
texts = solara.reactive({})  # key -> the text typed into its control (only keys the user touched)
reps = solara.reactive(OPTIONS.reps)
seed = solara.reactive(OPTIONS.seed)
result = solara.reactive(None)  # the last finished RunResult
run_message = solara.reactive(("", ""))  # (kind, text): the last run's outcome when it did not finish
save_name = solara.reactive("")
save_description = solara.reactive("")
save_message = solara.reactive(("", ""))
briefing_path = solara.reactive(None)


def _t(key: str, **kw) -> str:
    text = word(key, lang.value) or term(key, lang.value)
    return text.format(**kw) if kw else text


def _seeds(first: int, n: int) -> str:
    return str(first) if n == 1 else f"{first}–{first + n - 1}"


def refusal(base: Params, typed: dict, n: object, first: object) -> tuple[dict, str]:
    """What a run would change, read from the controls' texts as they are now: ``(changes, "")``, or
    ``({}, message)`` when a control holds a refused value or the replications or seed are bad (the
    message says why Run is off, in the page's language)."""
    changes, errors = core.changed_values(base, {k: typed[k] for k in core.CONTROL_KEYS if k in typed})
    if errors:
        return {}, _t("explore.fix_errors")
    if not (isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= MAX_REPS):
        return {}, _t("explore.why.reps", high=MAX_REPS, got="—" if n is None else n)
    if seeds_problem(first, n):  # the last replication's seed too
        return {}, _t("explore.why.seed", high=MAX_SEED - n + 1, got="—" if first is None else first)
    return changes, ""


MAX_REPS = core.MAX_REPS


def execute_run(
    base_key: str,
    base: Params,
    variant: Params,
    changes: dict,
    n: int,
    first: int,
    language: str,
    is_current,
    on_progress=None,
    options: core.Options | None = None,
) -> RunResult | None:
    """One run: the replications, the run's own compare folder and its charts; the result is published
    (``result``) only while ``is_current()`` holds, so a stopped or superseded run never replaces another's.
    Returns the published result, or None."""
    options = options or OPTIONS
    try:
        cmp = core.run_variant(
            base,
            variant,
            n,
            first,
            options.store,
            options.workers,
            on_progress=on_progress,
            keep_going=is_current,
        )
    except core.RunFailed as err:
        if is_current():
            run_message.set(("error", term("explore.failed", language).format(message=str(err))))
        return None
    if cmp is None or not is_current():  # stopped (Stop says so) or superseded by a newer run
        return None
    compare_dir = core.run_folder(options.out, cmp.names, changes, n, first)
    write_comparison(cmp, [base, variant], compare_dir)
    done = RunResult(base_key, base, variant, dict(changes), n, first, cmp, compare_dir)
    done.images[language] = core.chart_images(cmp, base, language)
    if not is_current():  # stopped while its folder was written: nothing of it is shown or kept
        shutil.rmtree(compare_dir, ignore_errors=True)
        return None
    result.set(done)
    briefing_path.set(None)
    return done


@solara.lab.task
def run_task(base_key: str, base: Params, variant: Params, changes: dict, n: int, first: int, language: str):
    def progress(done: int, total: int) -> None:
        if run_task.is_current():
            run_task.progress = 100.0 * done / total if total else 100.0
            run_progress_text.set(term("explore.running", language).format(done=done, total=total))

    return execute_run(base_key, base, variant, changes, n, first, language, run_task.is_current, progress)


run_progress_text = solara.reactive("")


@solara.lab.task
def briefing_task(res: RunResult, language: str):
    path = core.make_briefing(res.compare_dir, res.base, res.variant, language)
    briefing_path.set(str(path))
    return str(path)


def _load_base(name: str, paths: dict) -> tuple[Params | None, str]:
    try:
        return load_scenario(paths[name]), ""
    except (ScenarioError, KeyError) as err:
        return None, " ".join(str(err).split())


@solara.component
def Control(control: core.Control, base: Params):
    key = control.key
    shown = texts.value.get(key, core.base_text(base, key))
    _, error = core.check_text(base, key, shown) if key in texts.value else (None, "")

    def set_text(value, key=key):
        texts.set({**texts.value, key: "" if value is None else str(value)})

    label = _t(f"explore.key.{key}")
    value = core.base_text(base, key)
    if control.kind == "select":
        value = _t(f"explore.choice.{value}")
    baseline = _t("explore.baseline_value", value=value)
    with solara.Row(style={"align-items": "center"}, classes=["prh-control"]):
        if control.kind == "select":
            items = [{"text": _t(f"explore.choice.{c}"), "value": c} for c in control.choices]
            solara.v.Select(
                label=label,
                items=items,
                v_model=shown,
                on_v_model=set_text,
                dense=True,
                hide_details=True,
                style_="flex: 1",
            )
        else:
            solara.InputText(label, value=shown, on_value=set_text, error=error or False, style={"flex": "1"})
        solara.Text(baseline, classes=["prh-baseline"], style={"white-space": "nowrap", "color": "#0072B2"})


@solara.component
def Charts():
    res: RunResult | None = result.value
    language = lang.value

    def draw():
        if res is not None and language not in res.images:
            res.images[language] = core.chart_images(res.cmp, res.base, language)
        return language

    drawing = solara.lab.use_task(draw, dependencies=[id(res), language])
    if res is None:
        solara.Info(_t("explore.no_results"))
        return
    n = res.reps
    base_title = scenario_title(res.base, language)
    done = _t(
        "explore.done",
        variant=base_title,
        changes=changes_text(res.changes, language) or _t("explore.unchanged"),
        base=base_title,
        n=n,
        seeds=_seeds(res.seed, n),
    )
    solara.Text(done, style={"font-weight": "bold"}, classes=["prh-done"])
    images = res.images.get(language) or next(iter(res.images.values()))
    with solara.Div():  # always there: the grid keeps its place and its widgets
        if drawing.pending:
            solara.ProgressLinear(True)
    with solara.GridFixed(columns=2):
        for name in core.CHARTS:
            with solara.Div(classes=["prh-chart", f"prh-chart-{name}"]):
                # the widget itself, not solara.Image: same bytes, same element, nothing sent again
                ipywidgets.Image.element(value=images[name], format="png", layout={"width": "100%"})


@solara.component
def Page():
    solara.Title(_t("explore.title"))
    solara.Style(FONT_CSS)
    paths = core.list_scenarios(Path(OPTIONS.scenarios_dir))
    if base_name.value not in paths:
        base_name.set(next(iter(paths)))
    base, base_error = solara.use_memo(
        lambda: _load_base(base_name.value, paths), dependencies=[base_name.value]
    )
    if not save_name.value:
        save_name.set(f"{base_name.value}_explored")

    with solara.Column(style={"padding": "12px 20px", "max-width": "1800px"}):
        with solara.Row(style={"align-items": "center"}):
            solara.Text(_t("explore.title"), style={"font-size": "1.5em", "font-weight": "bold"})
            solara.v.Spacer()
            with solara.ToggleButtonsSingle(value=lang, dense=True, classes=["prh-lang"]):
                solara.Button("中文", value="zh", text=True)
                solara.Button("English", value="en", text=True)
        if base is None:
            solara.Error(base_error)
            return
        changes, errors = core.changed_values(
            base, {k: texts.value[k] for k in core.CONTROL_KEYS if k in texts.value}
        )
        running = run_task.pending
        with solara.Columns([2, 5], gutters_dense=True):
            with solara.Column(gap="6px", classes=["prh-controls"]):

                def pick_base(name):
                    base_name.set(name)
                    texts.set({})
                    save_name.set("")

                solara.Select(
                    _t("explore.base"), values=list(paths), value=base_name.value, on_value=pick_base
                )
                solara.Text(_t("explore.rules"), style={"font-weight": "bold", "margin-top": "6px"})
                for control in core.CONTROLS:
                    Control(control, base)
                with solara.Row(style={"align-items": "center"}):
                    solara.InputInt(_t("explore.reps"), value=reps, dense=True, style={"max-width": "9em"})
                    solara.InputInt(_t("explore.seed"), value=seed, dense=True, style={"max-width": "9em"})
                if errors:
                    solara.Error(_t("explore.fix_errors"))
                elif changes:
                    solara.Text(_t("explore.changes", n=len(changes), keys=changes_text(changes, lang.value)))
                else:
                    solara.Text(_t("explore.no_changes"))
                _, why_off = refusal(base, texts.value, reps.value, seed.value)

                def start():  # read again at the click: the button's state may be older than the texts
                    now, refused = refusal(base, texts.value, reps.value, seed.value)
                    if refused:
                        run_message.set(("error", refused))
                        return
                    run_message.set(("", ""))
                    variant = core.build_variant(base, now)  # named by its rules, not by the save box
                    run_task(base_name.value, base, variant, now, reps.value, seed.value, lang.value)

                def stop():
                    run_task.cancel()  # the run's thread sees it (is_current) and publishes nothing
                    run_message.set(("info", _t("explore.stopped")))

                with solara.Row():
                    solara.Button(
                        _t("explore.run"),
                        on_click=start,
                        color="primary",
                        disabled=bool(why_off) or running,
                        classes=["prh-run"],
                    )
                    if running:
                        solara.Button(_t("explore.stop"), on_click=stop, outlined=True)
                if why_off and not errors:  # a refused value is already said above, and at its control
                    solara.Warning(why_off, dense=True, classes=["prh-why"])
                if running:
                    solara.ProgressLinear(run_task.progress or 0.0)
                    solara.Text(run_progress_text.value, classes=["prh-progress"])
                kind, text = run_message.value
                if run_task.error:  # e.g. an output folder that cannot be written; the last charts stay
                    solara.Error(_t("explore.failed", message=" ".join(str(run_task.exception).split())))
                elif kind == "error":
                    solara.Error(text)
                elif kind:
                    solara.Info(text)
                SaveAndBriefing(base, paths[base_name.value], changes, errors)
            with solara.Column():
                res = result.value
                now = (base_name.value, tuple(sorted(changes.items())), reps.value, seed.value)
                with solara.Div():  # always there, so that the charts below keep their place (and widgets)
                    if res is not None and not running and res.signature != now:
                        solara.Warning(_t("explore.stale"))
                Charts()


@solara.component
def SaveAndBriefing(base: Params, base_path: Path, changes: dict, errors: dict):
    def save():
        if errors:
            save_message.set(("error", _t("explore.fix_errors")))
            return
        try:
            path = core.save_variant(
                base, base_path, changes, Path(OPTIONS.scenarios_dir), save_name.value, save_description.value
            )
        except (core.ExplorerError, ScenarioError, OSError) as err:
            save_message.set(("error", " ".join(str(err).split())))
            return
        save_message.set(("success", str(path)))

    solara.Text(_t("explore.save"), style={"font-weight": "bold", "margin-top": "12px"})
    solara.InputText(_t("explore.name"), value=save_name, dense=True, continuous_update=True)
    solara.InputText(_t("explore.description"), value=save_description, dense=True, continuous_update=True)
    solara.Button(_t("explore.save"), on_click=save, outlined=True, classes=["prh-save"])
    kind, text = save_message.value
    if kind == "error":
        solara.Error(text)
    elif kind:
        solara.Success(_t("explore.saved", path=text), classes=["prh-saved"])

    res: RunResult | None = result.value
    solara.Button(
        _t("explore.briefing"),
        on_click=lambda: briefing_task(res, lang.value),
        outlined=True,
        disabled=res is None or briefing_task.pending,
        classes=["prh-briefing"],
    )
    if res is None:
        solara.Text(_t("explore.briefing_needs_run"), style={"color": "#777"})
    if briefing_task.pending:
        solara.ProgressLinear(True)
        solara.Text(_t("explore.briefing_running"))
    elif briefing_task.error:
        solara.Error(" ".join(str(briefing_task.exception).split()))
    elif briefing_path.value and res is not None and Path(briefing_path.value).parent == res.compare_dir:
        # the shown run's own PDF, in its own folder: no other run or page writes there
        solara.Success(_t("explore.briefing_done", path=briefing_path.value))
        pdf = Path(briefing_path.value)
        solara.FileDownload(lambda: pdf.read_bytes(), filename=pdf.name, label=_t("explore.download"))

"""The policy explorer in a real headless browser: Debian's chromium driven by Playwright.

The app runs as ``python run.py explore`` in a subprocess on a free port, on the small test scenario
with 2 replications, its store, outputs and saved scenarios in a temporary folder. The test refuses a
bad value at its control (the loader's message, the Run button off), runs the base against itself,
changes a control, runs again, checks that every chart changed and that the earlier charts survive a
refused value, then saves the variant and reads the file back.

    python tests/test_explorer_e2e.py --screenshots docs    # the README's screenshots (baseline, zh and en)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CAP_LABEL = "Cumulative cap on tenure, years (Art. 17)"
CHARTS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def explorer(folder: Path, *args: str, timeout: float = 90):
    """``run.py explore`` in a subprocess; yields its address once it prints it; ends it with Ctrl-C."""
    port = _free_port()
    log = open(folder / "explore.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
    cmd = [sys.executable, str(ROOT / "run.py"), "explore", "--port", str(port), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        while "policy explorer: http://" not in (folder / "explore.log").read_text(encoding="utf-8"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("explore did not start:\n" + (folder / "explore.log").read_text())
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def browser(width: int = 1500, height: int = 1000):
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="prh-chromium-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=BROWSER_ARGS,
                headless=True,
                viewport={"width": width, "height": height},
            )
            try:
                yield ctx
            finally:
                ctx.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def chart_hashes(page) -> list[str]:
    """SHA-256 of each chart's pixels at its own size (drawn on a canvas: independent of the layout), read
    until two reads agree (an image may still be arriving)."""
    previous = None
    for _ in range(40):
        page.wait_for_function(
            """(n) => { const imgs = Array.from(document.querySelectorAll(".prh-chart img"));
                        return imgs.length === n && imgs.every((i) => i.complete && i.naturalWidth > 0); }""",
            arg=CHARTS,
            timeout=120_000,
        )
        urls = page.evaluate(
            """() => Array.from(document.querySelectorAll(".prh-chart img"), (img) => {
                const c = document.createElement("canvas");
                c.width = img.naturalWidth;
                c.height = img.naturalHeight;
                c.getContext("2d").drawImage(img, 0, 0);
                return c.toDataURL("image/png");
            })"""
        )
        hashes = [hashlib.sha256(u.encode()).hexdigest() for u in urls]
        if hashes == previous and len(hashes) == CHARTS:
            return hashes
        previous = hashes
        time.sleep(0.5)
    raise AssertionError(f"the charts did not settle: {previous}")


def run_and_wait(
    page, before_done: str | None, timeout_s: float = 180, check_live: bool = False
) -> list[str]:
    """Press Run, see the progress, wait until the charts of this run are shown; return their hashes.
    With ``check_live``, switch the language while the run goes on: the page must answer meanwhile."""
    page.locator(".prh-run").click()
    page.locator(".prh-progress").first.wait_for(timeout=20_000)
    assert "replications done" in page.locator(".prh-progress").first.inner_text()
    if check_live:
        page.get_by_role("button", name="中文").click()
        page.get_by_text("享受保障总年限上限").first.wait_for(timeout=10_000)
        assert page.locator(".prh-progress").count() == 1, "the run ended before the page was checked"
        page.get_by_role("button", name="English").click()
        page.get_by_text("Cumulative cap on tenure").first.wait_for(timeout=10_000)
    page.wait_for_function(
        """(old) => { const d = document.querySelector(".prh-done");
                      const p = document.querySelector(".prh-progress");
                      return d && !p && d.innerText !== old; }""",
        arg=before_done or "",
        timeout=timeout_s * 1000,
    )
    return chart_hashes(page)


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)"
)
def test_explorer_in_a_browser(tmp_path):
    shutil.copy(ROOT / "tests" / "data" / "small.toml", tmp_path / "small.toml")
    args = ["--scenarios-dir", str(tmp_path), "--base", "small", "--reps", "2", "--workers", "2"]
    args += ["--store", str(tmp_path / "store"), "--out", str(tmp_path / "out")]
    external = []
    with explorer(tmp_path, *args) as url, browser() as ctx:
        page = ctx.new_page()
        page.on(
            "request",
            lambda r: (
                external.append(r.url)
                if r.url.startswith(("http:", "https:", "ws:", "wss:")) and not r.url.startswith(url)
                else None
            ),
        )
        page.goto(url)
        cap = page.get_by_label(CAP_LABEL)
        cap.wait_for(timeout=60_000)
        assert cap.input_value() == "6"
        assert page.locator(".prh-baseline").first.inner_text() == "baseline: 6"

        # a value out of range is refused at the control with the loader's (the CLI's) message
        cap.fill("-1")
        cap.press("Enter")
        page.get_by_text("--set: lease.max_total_years: must not be negative, got -1").wait_for(
            timeout=15_000
        )
        # the button's state is sent after the message: wait for it rather than read it at once
        page.locator(".prh-run:disabled").wait_for(timeout=15_000)

        # the base against itself, then the cap changed: every chart changes
        cap.fill("6")
        cap.press("Enter")
        page.get_by_text("No rule changed").wait_for(timeout=15_000)
        same = run_and_wait(page, None, check_live=True)
        done_same = page.locator(".prh-done").inner_text()
        assert "2 replications each, seeds 1–2" in done_same and "no change" in done_same
        cap.fill("1")
        cap.press("Enter")
        page.get_by_text("1 changed: lease.max_total_years=1").wait_for(timeout=15_000)
        changed = run_and_wait(page, done_same)
        assert "small (lease.max_total_years=1) against small" in page.locator(".prh-done").inner_text()
        assert all(a != b for a, b in zip(same, changed, strict=True)), "a chart did not change"

        # a refused value loses nothing: the charts stay
        cap.fill("abc")
        cap.press("Enter")
        page.get_by_text("--set: lease.max_total_years: expected a number").wait_for(timeout=15_000)
        assert chart_hashes(page) == changed
        cap.fill("1")
        cap.press("Enter")

        page.get_by_label("Scenario name (file name)").fill("cap1_try")
        page.locator(".prh-save").click()
        page.locator(".prh-saved").wait_for(timeout=15_000)
    assert external == [], f"the page fetched from outside this machine: {external}"
    log = (tmp_path / "explore.log").read_text(encoding="utf-8")
    assert "Could not load URL" not in log, log  # the server did not reach out for a missing asset either
    assert "Traceback" not in log, log
    saved = tmp_path / "cap1_try.toml"
    doc = tomllib.loads(saved.read_text(encoding="utf-8"))
    assert doc["base"] == "small"
    assert doc["lease"] == {"max_total_years": 1}
    assert set(doc) == {"base", "name", "description", "reference", "lease"}
    # each run wrote its own compare folder, named by the rules that ran
    runs = sorted(p for p in (tmp_path / "out").iterdir() if (p / "comparison.csv").is_file())
    assert len(runs) == 2, runs


def take_screenshots(out_dir: Path, reps: int = 10) -> list[Path]:
    """The README's screenshots: the baseline against an 8-year cap, in Chinese and English."""
    paths = []
    with tempfile.TemporaryDirectory() as tmp, explorer(Path(tmp), "--reps", str(reps)) as url:
        with browser(1500, 1250) as ctx:
            page = ctx.new_page()
            page.goto(url)
            cap = page.get_by_label(CAP_LABEL)
            cap.wait_for(timeout=60_000)
            cap.fill("8")
            cap.press("Enter")
            page.get_by_label("Scenario name (file name)").fill("cap8_explored")
            run_and_wait(page, None, timeout_s=1200)
            page.evaluate("() => window.scrollTo(0, 0)")
            for lang, button in (("en", "English"), ("zh", "中文")):
                page.get_by_role("button", name=button).click()
                time.sleep(4)  # charts redrawn in the language
                chart_hashes(page)
                path = out_dir / f"explorer.{lang}.png"
                page.screenshot(path=str(path), full_page=True)
                paths.append(path)
    return paths


if __name__ == "__main__":
    if sys.argv[1:2] == ["--screenshots"]:
        os.chdir(ROOT)
        print(take_screenshots(Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "docs"))

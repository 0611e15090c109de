"""GUI speed (not a test): cold start to the sign-on window, opening a flow by
code, and a page change — medians over several runs, offscreen.

    python bench/gui.py [--runs 7]

Targets (issue 3): cold start ≤ 1.5 s, open a flow ≤ 100 ms, page change ≤ 50 ms.
Cold start is a fresh interpreter each run (subprocess), measured from process
launch to the sign-on dialog being shown, on an existing embedded core.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from teller.app import TellerApp
from teller.forms.settings_store import Settings
app = QApplication(sys.argv[:1])
shell = TellerApp(app, Settings())
shell.start()
def shown():
    print(f"{time.time() - t0:.4f}", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
shell.shutdown()
"""


def cold_start(runs: int, env: dict) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.time()
        res = subprocess.run([sys.executable, "-c", CHILD, str(t0)], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return out


def in_process(runs: int) -> tuple[list[float], list[float]]:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication
    from teller.api import Terminal
    from teller.config import default_core_url
    from teller.forms.background import Background
    from teller.forms.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    terminal = Terminal.open(default_core_url(), terminal_code="T01")
    session = terminal.sign_on("T001", "demo123").session
    ops = Background()
    win = MainWindow(session, ops)
    win.show()

    def until(cond) -> None:
        while not cond():
            loop = QEventLoop()
            QTimer.singleShot(1, loop.quit)
            loop.exec()

    until(lambda: not ops.busy)
    from teller.core.ledger.db import make_engine
    import sqlalchemy as sa
    with make_engine(default_core_url()).connect() as conn:
        account = conn.execute(sa.text("select number from accounts "
                                       "where kind='personal_current' order by number")).scalar()
    opens, pages = [], []
    for _ in range(runs):
        t = time.perf_counter()
        win.open_code("10020")
        until(lambda: win.wizard.run is not None and not ops.busy)
        opens.append(time.perf_counter() - t)
        win.wizard.widgets[0].edit.setText(account)
        t = time.perf_counter()
        win.wizard.next()
        until(lambda: not ops.busy and win.wizard.run.current.name == "amount")
        pages.append(time.perf_counter() - t)
        win.wizard.leave()
        until(lambda: not ops.busy)
    ops.wait_idle()
    terminal.close()
    return opens, pages


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="teller-bench-")
    os.environ["TELLER_DATA_DIR"] = tmp
    os.environ["TELLER_CONFIG_DIR"] = tmp
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from teller.app import ensure_embedded_core
    from teller.config import default_core_url
    ensure_embedded_core(default_core_url())  # the first start builds it; not measured
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cold = cold_start(args.runs, env)
    opens, pages = in_process(args.runs)
    rows = (("cold start to sign-on window", statistics.median(cold), 1.5),
            ("open a flow by code", statistics.median(opens), 0.100),
            ("page change (with page rules)", statistics.median(pages), 0.050))
    print(f"runs: {args.runs} (medians)")
    for name, value, target in rows:
        verdict = "ok" if value <= target else "OVER"
        print(f"  {name:32s} {value * 1000:8.1f} ms   target ≤ {target * 1000:.0f} ms  "
              f"({value / target:.2f}× target) {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

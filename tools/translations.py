"""Refresh resources/translations/teller_en.ts from the Qt sources and build the .qm.

    python tools/translations.py [--from other.ts ...]

Runs pyside6-lupdate over teller/forms and teller/app.py (keeping every existing
translation), fills still-unfinished messages from the extra .ts files given
(by context and source text — how branches' translations are merged), reports
what is left untranslated and compiles teller_en.qm with pyside6-lrelease.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "translations" / "teller_en.ts"
QM = TS.with_suffix(".qm")


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    return found


def known_translations(paths: list[Path]) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for path in paths:
        for ctx in ET.parse(path).getroot().iter("context"):
            name = ctx.findtext("name") or ""
            for msg in ctx.iter("message"):
                tr = msg.find("translation")
                if tr is not None and tr.text and tr.get("type") not in ("unfinished",
                                                                          "obsolete", "vanished"):
                    out[(name, msg.findtext("source") or "")] = tr.text
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="extra", nargs="*", default=[], type=Path)
    args = ap.parse_args(argv)
    extra = known_translations([TS, *args.extra])
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "teller" / "forms").glob("*.py"))
    sources.append("teller/app.py")
    subprocess.run([_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(TS)],
                   cwd=ROOT, check=True, capture_output=True)
    tree = ET.parse(TS)
    missing = []
    for ctx in tree.getroot().iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            tr = msg.find("translation")
            source = msg.findtext("source") or ""
            if tr is not None and tr.get("type") == "unfinished":
                if (name, source) in extra:
                    tr.text = extra[(name, source)]
                    del tr.attrib["type"]
                else:
                    missing.append(f"{name}: {source}")
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    # lupdate once more so the file keeps lupdate's own layout (small diffs).
    subprocess.run([_tool("pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(TS)],
                   cwd=ROOT, check=True, capture_output=True)
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(QM)], check=True,
                   capture_output=True)
    for m in missing:
        print("untranslated:", m)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())

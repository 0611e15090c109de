"""The transaction catalogue generated from the registry: ``teller codes`` and
``docs/transactions.md`` (regenerate with ``teller codes --markdown > docs/transactions.md``;
a test fails when the committed file drifts from the code)."""
from __future__ import annotations

from teller.transactions.registry import Registry


def codes_data(registry: Registry, *, fields: bool = False) -> list[dict]:
    out = []
    for flow in registry.flows():
        d = flow.describe()
        if not fields:
            d = {k: d[k] for k in ("code", "title", "title_en", "category")}
        out.append(d)
    return out


def codes_text(registry: Registry, *, fields: bool = False) -> str:
    lines = []
    for cat in registry.menu():
        lines.append(f"{cat.name} / {cat.name_en}")
        for item in cat.items:
            lines.append(f"  {item.code}  {item.title}  {item.title_en}")
            if fields:
                for step in registry.get(item.code).describe()["steps"]:
                    lines.append(f"      [{step['kind']}] {step['name']} {step['title']}")
                    for f in step.get("fields", []):
                        req = "*" if f["required"] else " "
                        lines.append(f"         {req} {f['name']} ({f['kind']}) {f['label']}")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(registry: Registry) -> str:
    out = ["# Transactions (交易码表)", "",
           "Generated from the registry by `teller codes --markdown`; do not edit by hand.",
           ""]
    for cat in registry.menu():
        out += [f"## {cat.name} — {cat.name_en}", ""]
        for item in cat.items:
            d = registry.get(item.code).describe()
            out += [f"### {d['code']} {d['title']} ({d['title_en']})", ""]
            out += ["| step | kind | field | type | required | choices |",
                    "|---|---|---|---|---|---|"]
            for step in d["steps"]:
                cond = " (conditional)" if step["conditional"] else ""
                if step["kind"] == "commit":
                    flags = ", ".join(x for x in (
                        "reversible" if step["reversible"] else "irreversible",
                        "offline-capable" if step["offline_capable"] else "") if x)
                    out.append(f"| {step['name']} {step['title']}{cond} | commit | | | | "
                               f"{flags} |")
                    continue
                for f in step["fields"]:
                    choices = ", ".join(f"{c[0]}={c[1]}" for c in f.get("choices", []))
                    out.append(f"| {step['name']} {step['title']}{cond} | page | {f['name']} "
                               f"{_cell(f['label'])} | {f['kind']} | "
                               f"{'yes' if f['required'] else 'no'} | {_cell(choices)} |")
            out.append("")
    return "\n".join(out)

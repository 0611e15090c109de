"""The registry drives the menu, ``teller codes`` and docs/transactions.md;
``teller run`` runs a flow headless from a JSON file."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from teller import cli
from teller.transactions.catalog import render_markdown
from teller.transactions.flow import Flow
from teller.transactions.registry import Registry, default_registry

DOCS = Path(__file__).resolve().parents[2] / "docs" / "transactions.md"


def test_committed_docs_equal_the_generated_catalogue():
    assert DOCS.read_text(encoding="utf-8") == render_markdown(default_registry()), \
        "regenerate: teller codes --markdown > docs/transactions.md"


def test_codes_json_lists_every_flow_with_fields(capsys):
    assert cli.main(["codes", "--json", "--fields"]) == 0
    data = {d["code"]: d for d in json.loads(capsys.readouterr().out)}
    assert set(data) == set(default_registry().codes()) >= {"08210", "10020", "10030"}
    fields = [f["name"] for s in data["10030"]["steps"] for f in s.get("fields", [])]
    assert fields[:3] == ["account", "pin", "amount"]
    mode = next(f for s in data["10020"]["steps"] for f in s.get("fields", [])
                if f["name"] == "mode")
    assert mode["choices"] == [["cash", "现金", "Cash"], ["transfer", "转账", "Transfer"]]


def test_registry_refuses_bad_and_duplicate_codes():
    class Bad(Flow):
        code = "12"

    class Dup(Flow):
        code = "10020"

    reg = default_registry()
    with pytest.raises(ValueError):
        reg.register(Bad)
    with pytest.raises(ValueError):
        reg.register(Dup)
    assert Registry().lookup("10020")[1][0].message == "交易码 10020 不存在"


def run_cli(tmp_path, core, code, values, *extra, env_extra=None):
    path = tmp_path / f"{code}.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    env = {**os.environ, "TELLER_PASSWORD": "demo123", "TELLER_AUTHORIZER_PASSWORD": "demo123",
           **(env_extra or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "teller.cli", "run", code, "--user", "T001", "--values", str(path),
         "--url", core.url, "--local", str(tmp_path / "t01.sqlite"), *extra],
        capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL)
    return proc.returncode, json.loads(proc.stdout)


def test_cli_run_prints_outcome_and_exit_status(core, tmp_path):
    number = core.demo.accounts[1][0]
    values = {"account": number, "amount": "60,000.00", "mode": "cash", "funds_detail": "购车"}
    rc, out = run_cli(tmp_path, core, "10030", values)
    assert rc == 1 and out["needs_authorization"][0]["level"] == "A"
    before = core.balance(number)
    rc, out = run_cli(tmp_path, core, "10030", values, "--authorizer", "S002")
    assert rc == 0 and out["ok"] and out["vouchers"][0]["amount_capital"] == "陆万元整"
    assert core.balance(number) == before - 6_000_000
    rc, out = run_cli(tmp_path, core, "10020", {"account": number}, env_extra={
        "TELLER_PASSWORD": "nope1234"})
    assert rc == 1 and out["problems"][0]["field"] == "user"

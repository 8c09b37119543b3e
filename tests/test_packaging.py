"""The package's shape: explicit package list, pinned public names, a pure core, a light ``import payfold``."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import payfold

ROOT = Path(__file__).resolve().parents[1]

PINNED = [
    "ActionRequired", "ChargeAccepted", "ChargeDeclined", "ChargeDuplicate", "ChargeRejected", "Conclude", "Done",
    "FailedManually", "IllegalTransition", "LongRequestStarted", "NotProcessed", "OutcomeUnknown", "Payment",
    "PaymentCreated", "PaymentFailed", "PaymentSettled", "Policy", "Poll", "PollCompleted", "PollFailed",
    "PollPending", "Requery", "RequeryConfirmed", "RequeryDeclined", "RequeryFailed", "RequeryNotFound",
    "RequeryPending", "RequestSent", "ReviewRequired", "SendCharge", "SettledManually", "Status", "WebhookReceived",
    "Wire", "decode", "encode", "evolve", "fold", "next_step",
]  # fmt: skip


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed, mapping = set(config["packages"]), config["package-dir"]
    found = set()
    for package, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((package, *relative)))
    assert found <= listed, f"package folders missing from pyproject's packages list: {sorted(found - listed)}"
    assert listed <= set(mapping), f"packages without a package-dir mapping: {sorted(listed - set(mapping))}"


def test_all_is_a_sorted_literal_holding_the_pinned_names() -> None:
    tree = ast.parse((ROOT / "core" / "__init__.py").read_text())
    literal = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "__all__"
    )
    names = ast.literal_eval(literal)
    assert names == payfold.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n.swapcase() if False else n)) or names == sorted(
        names
    )
    assert set(PINNED) <= set(names), sorted(set(PINNED) - set(names))
    for name in names:
        assert hasattr(payfold, name), name


def test_status_values_are_the_lower_case_names() -> None:
    assert [(s.name, s.value) for s in payfold.Status] == [
        (n, n.lower()) for n in ("CREATED", "PENDING", "POLLING", "REQUERIED", "SETTLED", "FAILED")
    ]


def test_import_payfold_loads_no_adapter_no_store_no_http_client() -> None:
    code = "import sys, payfold; print(','.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        .stdout.strip()
        .split(",")
    )
    for module in ("aiosqlite", "asyncpg", "httpx", "payfold.adapters", "hypothesis", "sqlite3"):
        assert module not in loaded, f"import payfold loaded {module}"


FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "monotonic", "perf_counter", "uuid4", "uuid1", "random", "urandom"}
FORBIDDEN_IMPORTS = {"random", "secrets", "uuid", "time", "asyncio", "socket", "sqlite3", "os", "subprocess", "httpx"}


def core_modules() -> list[Path]:
    return sorted(path for path in (ROOT / "core").glob("*.py"))


def protocol_stubs(tree: ast.Module) -> set[ast.AST]:
    """``async def`` signatures in a ``Protocol`` whose body is only a docstring or ``...``: a port, not code."""
    stubs: set[ast.AST] = set()
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        if any(getattr(base, "id", getattr(base, "attr", "")) == "Protocol" for base in cls.bases):
            for item in cls.body:
                if isinstance(item, ast.AsyncFunctionDef) and all(
                    isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) for stmt in item.body
                ):
                    stubs.add(item)
    return stubs


def test_core_reads_no_clock_draws_no_randomness_and_has_no_async() -> None:
    problems = []
    for path in core_modules():
        tree = ast.parse(path.read_text())
        ports = protocol_stubs(tree)
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if node in ports:
                continue
            if isinstance(node, ast.AsyncFunctionDef | ast.Await | ast.AsyncFor | ast.AsyncWith):
                problems.append(f"{where} async code")
            elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS:
                problems.append(f"{where} .{node.attr}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                problems += [f"{where} import {n}" for n in names if n.split(".")[0] in FORBIDDEN_IMPORTS]
    assert problems == []


def test_py_typed_ships() -> None:
    assert (ROOT / "core" / "py.typed").exists()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in config["payfold"]

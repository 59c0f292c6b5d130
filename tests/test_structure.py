"""House rules that a test can check: pure modules stay pure, every command
and setting is documented."""

from __future__ import annotations

import ast

import click
import pytest
from conftest import ROOT

from tracker.cli import cli
from tracker.config import SETTINGS

PURE = [
    "parse",
    "classify",
    "boilerplate",
    "extract",
    "amounts",
    "dates",
    "text",
    "htmltext",
    "evaluate",
    "report",
    "models",
    "alerts",
    "cluster",
    "urls",
    "feeds",
    "politeness",
]
FORBIDDEN = (
    "sqlalchemy",
    "smtplib",
    "urllib.request",
    "http.client",
    "httpx",
    "requests",
    "socket",
)


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_do_no_io(module: str) -> None:
    tree = ast.parse((ROOT / "tracker" / f"{module}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert not name.startswith(FORBIDDEN), f"{module} imports {name}"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, command in group.commands.items():
        out.append((f"{prefix}{name}", command))
        if isinstance(command, click.Group):
            out += _commands(command, f"{prefix}{name} ")
    return out


@pytest.mark.parametrize(("name", "command"), _commands(cli))
def test_every_command_has_help_and_is_in_the_readme(name: str, command: click.Command) -> None:
    assert command.help and len(command.help) > 20, name
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help or param.name == "fmt", f"{name} {param.name}"
    assert f"tracker {name}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name


def test_every_subpackage_is_shipped() -> None:
    """`pip install .` (not editable) must carry every package under tracker/."""
    import tomllib

    declared = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tracker").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= declared, f"add to [tool.setuptools] packages: {sorted(found - declared)}"

"""Documentation stays complete: every setting and every CLI command is documented."""
from __future__ import annotations

from coopkg.cli import cli
from coopkg.settings import Settings
from tests.conftest import REPO


def test_every_setting_is_documented():
    text = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [f"COOPKG_{name.upper()}" for name in Settings.model_fields if f"COOPKG_{name.upper()}" not in text]
    assert not missing, f"document these in docs/settings.md: {missing}"


def test_every_cli_command_is_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")

    def walk(group, prefix):
        for name, command in group.commands.items():
            yield f"{prefix} {name}"
            if hasattr(command, "commands"):
                yield from walk(command, f"{prefix} {name}")

    missing = [c for c in walk(cli, "coopkg") if c not in readme]
    assert not missing, f"document these commands in README.md: {missing}"


def test_readme_gives_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci

"""The root CLI: every registered command has help text with an example, and errors are one line."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from analysis.cli import cli


def _walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...] = ()):
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            sub_ctx = click.Context(cmd, parent=ctx, info_name=name)
            yield from _walk(cmd, sub_ctx, prefix + (name,))


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "vcd, version" in result.output


def test_every_command_has_help_text():
    ctx = click.Context(cli, info_name="vcd")
    commands = list(_walk(cli, ctx))
    for path, cmd in commands:
        assert cmd is not None, path
        assert (cmd.help or "").strip(), f"vcd {' '.join(path)} has no help text"
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_root_help(flag):
    result = CliRunner().invoke(cli, [flag])
    assert result.exit_code == 0
    assert "Usage" in result.output

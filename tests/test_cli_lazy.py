"""The command line loads command modules lazily: `hlkb --help` imports none of them, and
the one-line help it lists (hlkb.cli.COMMANDS) is each command's own first sentence."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hlkb.cli import COMMANDS, build_app, load_command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_is_the_commands_own(name):
    command = load_command(name)
    own = " ".join((command.help or "").split())
    listed = COMMANDS[name][1]
    # the listed line is the command's help up to its first sentence end (or all of it)
    assert own.startswith(listed.rstrip(".")), f"hlkb.cli.COMMANDS[{name!r}] says {listed!r}; the command: {own!r}"


def test_every_command_module_registers_what_the_table_says():
    import typer

    group = typer.main.get_command(build_app())
    assert list(group.list_commands(None)) == list(COMMANDS)
    for name in COMMANDS:
        assert group.get_command(None, name).name == name


def test_help_imports_no_command_module_and_no_library():
    """What keeps `hlkb --help` near typer's own start-up (150 ms here): neither a command
    module nor the parser, the index or rich is imported for it."""
    code = (
        "import sys\nfrom hlkb.cli import run\nrun(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('hlkb.cli.commands.', 'hlkb.index', "
        "'hlkb.parse', 'rich'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_a_command_imports_only_its_module():
    code = (
        "import sys\nfrom hlkb.cli import run\nrun(['validate', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('hlkb.cli.commands.') and m.count('.') == 3))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['hlkb.cli.commands.validate']"

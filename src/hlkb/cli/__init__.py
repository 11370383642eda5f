"""The `hlkb` command line: a thin layer that parses options, calls the library and renders.

Each command lives in ``hlkb/cli/commands/<module>.py`` with a ``register(app)`` function.
They are loaded lazily: ``hlkb --help`` lists the commands from ``COMMANDS`` below without
importing any of them, and ``hlkb search`` imports only the module that holds ``search``,
so each module imports the library at its top. ``run(argv) -> int`` is what tests call;
``main()`` is the console script.
"""

from __future__ import annotations

import importlib
import sys

import typer
from typer._click import exceptions as click_exc  # typer >= 0.26 (pyproject) vendors click
from typer.core import TyperGroup

from hlkb import __version__

# command -> (module under hlkb.cli.commands, the one-line help `hlkb --help` lists);
# tests/test_cli_lazy.py checks each line against the command's own help
COMMANDS: dict[str, tuple[str, str]] = {
    "parse": ("parse", "Parse note files (no index) and print note, highlight, pair and claim records."),
    "index": ("index", "Build or refresh the index (incremental; --full re-parses every file)."),
    "search": ("index", "Ranked full-text search (English and Chinese, Traditional/Simplified-insensitive)."),
    "related": (
        "semantic",
        "The passages nearest in meaning to one record (a highlight, pair, note or claim, by id or unique prefix), in English and Chinese alike; itself and its own pair left out.",
    ),
    "show": (
        "index",
        "One record as a card (its note's title and author, where it is, its text, the reader's note, tags, neighbours) by its id (a unique prefix is enough).",
    ),
    "open": (
        "open",
        "Open the note holding a record in $VISUAL or $EDITOR at the record's line (+LINE, as vi, emacs and nano take it).",
    ),
    "stats": ("index", "Counts of records by kind, category, tag and language."),
    "pairs": ("pairs", "Pair the English and Chinese paragraphs of bilingual articles."),
    "claims": (
        "claims",
        "Claims (sentences stating figures or attributed to a source, and researcher-written claims), with figures.",
    ),
    "tag": ("tag", "Add, remove, rename and list tags in the note files."),
    "export": (
        "export",
        "Export records (all, or those matching QUERY and the filters) as JSON, JSONL, CSV, a Markdown digest or TMX.",
    ),
    "validate": ("validate", "Check the YAML front matter of notes (files or folders); exit 1 on any error."),
    "import": (
        "importer",
        "Create and update notes from Readwise: its CSV export, its API export JSON (pages, a list of books, JSONL), or the API itself (--api).",
    ),
}


def _version_callback(value: bool):
    if value:
        print(f"hlkb {__version__} ({_build()})")
        raise typer.Exit(0)


def _build() -> str:
    """Which build runs (setup.py): found without importing the compiled modules."""
    from importlib.util import find_spec

    origin = getattr(find_spec("hlkb.model"), "origin", None) or ""
    return "pure Python" if origin.endswith(".py") else "compiled with mypyc"


class LazyCommands(TyperGroup):
    """The root group: commands listed from ``COMMANDS``, each module imported when its
    command is asked for."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name):
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def format_commands(self, ctx, formatter):
        width = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [
            (name, typer._click.utils.make_default_short_help(help_, max(width, 20)))
            for name, (_module, help_) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


_loaded: dict[str, object] = {}


def load_command(name: str):
    """The click command ``name``, its module imported and registered on first use."""
    if name not in _loaded:
        module = importlib.import_module(f"hlkb.cli.commands.{COMMANDS[name][0]}")
        holder = typer.Typer(
            rich_markup_mode=None, add_completion=False, context_settings={"help_option_names": ["-h", "--help"]}
        )
        holder.callback()(lambda: None)  # a group even when the module has one command
        module.register(holder)
        group = typer.main.get_command(holder)
        for sub in group.commands.values():
            _loaded[sub.name] = sub
    return _loaded[name]


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="hlkb",
        cls=LazyCommands,
        help="A command-line knowledge base for Readwise highlights and bilingual English/Chinese notes.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
        ),
    ) -> None:
        """hlkb: parse, index, search, tag, export and validate a vault of notes."""

    return app


class TerminatedBySignal(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread so that, as on Ctrl-C, every ``finally``
    runs (temporary files removed, transactions rolled back) before hlkb exits."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def install_signal_handlers() -> None:
    """Unwind on SIGTERM and SIGHUP as on SIGINT (a signal already ignored, as under
    nohup, stays ignored). Forked children (the index's parsers, the split walk) die of the
    signal as before: their parent cleans up."""
    import os
    import signal

    main_pid = os.getpid()

    def handler(signum, frame):
        if os.getpid() != main_pid:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise TerminatedBySignal(signum)

    installed = []
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, handler)
            installed.append(sig)

    def default_in_child():
        # at fork, not when the signal comes: a pool worker that got Pool.terminate()'s
        # SIGTERM at an unlucky moment survived it through the Python-level handler and
        # the parent's join() waited forever (`hlkb index --full`, 500 notes: 1 run in 8)
        for sig in installed:
            signal.signal(sig, signal.SIG_DFL)

    if installed and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=default_in_child)


def _remove_live_temps() -> None:
    """A signal can unwind past a write's own cleanup (it may land inside it): the backstop."""
    from hlkb.atomicfile import remove_live_temps

    remove_live_temps()


def run(argv: list[str] | None = None) -> int:
    """Run hlkb with ``argv`` and return the exit code; never raises for user errors."""
    # imported here, not at the top: `hlkb --version` and the console script's start-up
    # import this module, and the output layer pulls in the record writers
    from hlkb.cli.output import OutputError, message, silence_stdout
    from hlkb.errors import HlkbError

    argv = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(build_app())
    try:
        result = command.main(args=argv, prog_name="hlkb", standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        message("hlkb: aborted")
        return 130
    except click_exc.ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            # `hlkb` or `hlkb tag` alone: show that command's help, as users expect
            ctx = getattr(exc, "ctx", None)
            print(ctx.get_help() if ctx is not None else exc.format_message())
            return 2
        # usage errors: one line, exit 2 (docs/design.md#exit-codes)
        text = exc.format_message()
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "hlkb"
        message(f"{where}: {text}")
        return 2
    except HlkbError as exc:
        message(f"hlkb: {exc}")
        return exc.exit_code
    except OutputError as exc:
        silence_stdout()
        message(f"hlkb: cannot write the output: {exc}")
        return 2
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):
            # rich pacifies stdout and raises SystemExit(1) when the reader went away (`| head`)
            silence_stdout()
            return 0
        return exc.code if isinstance(exc.code, int) else 1
    except KeyboardInterrupt:
        _remove_live_temps()
        message("hlkb: interrupted")
        return 130
    except TerminatedBySignal as exc:
        import signal

        _remove_live_temps()
        message(f"hlkb: terminated ({signal.Signals(exc.signum).name})")
        return 128 + exc.signum
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): not an error for us
        silence_stdout()
        return 0
    except Exception as exc:
        sqlite3 = sys.modules.get("sqlite3")
        if sqlite3 is not None and isinstance(exc, sqlite3.DatabaseError):
            # an index whose header is fine but whose pages are not (it passed every check
            # made on opening, so it is hlkb's own): one line, and how to get a good one
            message(
                f"hlkb: cannot read the index: {exc}; if it is damaged, delete it and run `hlkb index` "
                "(it is rebuilt from the notes)"
            )
            return 2
        raise
    if isinstance(result, int):
        return result
    return 0


def main() -> None:
    from hlkb.cli.output import OutputError, configure_streams, message, silence_stdout

    install_signal_handlers()
    configure_streams()
    code = run()
    try:
        sys.stdout.flush()  # what is still buffered can fail too
    except BrokenPipeError:
        silence_stdout()
    except OutputError as exc:
        silence_stdout()
        message(f"hlkb: cannot write the output: {exc}")
        code = 2
    except ValueError:
        pass
    sys.exit(code)

"""The `hlkb` command line: a thin layer that parses options, calls the library and renders.

Each command lives in ``hlkb/commands/<name>.py`` with a ``register(app)`` function; those
modules import only typer and the standard library at start-up, so ``hlkb --help`` stays
fast, and pull in the library inside the command body. ``run(argv) -> int`` is what tests
call; ``main()`` is the console script.
"""

from __future__ import annotations

import sys

import typer

from hlkb import __version__

COMMAND_MODULES = ("parse", "index", "open", "pairs", "claims", "tag", "export", "validate", "semantic", "importer")


def _version_callback(value: bool):
    if value:
        print(f"hlkb {__version__}")
        raise typer.Exit(0)


def build_app() -> typer.Typer:
    import importlib

    app = typer.Typer(
        name="hlkb",
        help="A command-line knowledge base for Readwise highlights and bilingual English/Chinese notes.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                     help="Print the version and exit."),
    ) -> None:
        """hlkb: parse, index, search, tag, export and validate a vault of notes."""

    for name in COMMAND_MODULES:
        module = importlib.import_module(f"hlkb.commands.{name}")
        module.register(app)
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
    try:  # typer >= 0.26 vendors click
        from typer._click import exceptions as click_exc
    except ImportError:  # pragma: no cover - older typer on click
        from click import exceptions as click_exc

    from hlkb.errors import HlkbError
    from hlkb.output import OutputError, message, silence_stdout

    argv = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(build_app())
    try:
        result = command.main(args=argv, prog_name="hlkb", standalone_mode=False)
    except (typer.Exit, getattr(click_exc, "Exit", typer.Exit)) as exc:
        return exc.exit_code
    except (typer.Abort, getattr(click_exc, "Abort", typer.Abort)):
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
            message(f"hlkb: cannot read the index: {exc}; if it is damaged, delete it and run `hlkb index` "
                    "(it is rebuilt from the notes)")
            return 2
        raise
    if isinstance(result, int):
        return result
    return 0


def main() -> None:
    from hlkb.output import OutputError, configure_streams, message, silence_stdout

    install_signal_handlers()
    configure_streams()
    code = run()
    try:
        sys.stdout.flush()   # what is still buffered can fail too
    except BrokenPipeError:
        silence_stdout()
    except OutputError as exc:
        silence_stdout()
        message(f"hlkb: cannot write the output: {exc}")
        code = 2
    except ValueError:
        pass
    sys.exit(code)

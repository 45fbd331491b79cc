"""Entry point of the ``zjgis`` command (``zjgis --help``)."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys
import warnings
from collections.abc import Sequence

import zjgis
from zjgis.cli._common import check_source_crs_files, cli_words
from zjgis.errors import ZjgisError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand module of :mod:`zjgis.cli`."""
    parser = argparse.ArgumentParser(
        prog="zjgis",
        description="Zhangjiang Science City planning toolkit (张江科学城规划工具).",
    )
    parser.add_argument("--version", action="version", version=f"zjgis {zjgis.__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    parser.add_argument("-q", "--quiet", action="store_true", help="only errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import zjgis.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "main":
            continue
        module = importlib.import_module(f"zjgis.cli.{info.name}")
        module.register(sub)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else
                                         logging.INFO if verbose else logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("zjgis").setLevel(level)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print warnings as one plain line for planners (no source file or code line)."""
    print(f"zjgis: warning: {cli_words(message)} [{category.__name__}]",
          file=file or sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    0 ok, 1 bad input or file (one line on stderr, no traceback), 2 usage,
    3 partly done (``reserve import``: some rows rejected), 70 internal error,
    130 interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        return _dispatch(parser, args)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        check_source_crs_files(args)
        return int(args.func(args) or 0)
    except ZjgisError as exc:
        # the library's advice (source_crs='EPSG:4528', Register.create) in CLI words
        print(f"zjgis: error: {cli_words(exc)}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the listing went into `| head`, which has read enough
        try:  # no second error when Python flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0
    except OSError as exc:  # a file that is missing, unreadable or unwritable
        where = f" {exc.filename}:" if getattr(exc, "filename", None) else ""
        print(f"zjgis: error:{where} {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("zjgis: interrupted; files being written were left as they were", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug in zjgis, not bad input: one line, the trace on -v
        if args.verbose:
            raise
        print(f"zjgis: internal error ({type(exc).__name__}: {exc}); this is a bug in zjgis. "
              "Run again with -v for the traceback and report it", file=sys.stderr)
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""Entry point of the desktop bundle: the ``mcv`` command (``console.cli.main``), frozen.

In the bundle ``sys.executable`` is this program, not a Python interpreter, yet mcv
starts Python children the usual way: ``sys.executable -m console ARGS`` (the demo's
gateway) and ``sys.executable SCRIPT.py ARGS`` (the demo's tile renderer). Both forms
are accepted here, so the same code runs from a checkout and from the bundle.
"""

from __future__ import annotations

import runpy
import sys


def frozen_main(argv: list[str]) -> int:
    """Run ``argv`` the way a Python interpreter started with it would run mcv."""
    if argv[:2] == ["-m", "console"]:
        argv = argv[2:]
    elif argv and argv[0].endswith(".py"):
        sys.argv = argv
        runpy.run_path(argv[0], run_name="__main__")
        return 0
    from console.cli import main

    return main(argv)


if __name__ == "__main__":
    sys.exit(frozen_main(sys.argv[1:]))

"""``python -m console`` is the ``mcv`` command."""

import sys

from console.cli import main

sys.exit(main())

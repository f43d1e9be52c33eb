"""The fuzz suites reach the targets in tools/fuzz/ (shared with the atheris harnesses) and their strategies here."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "tools" / "fuzz"))   # fuzz_targets, fuzz_seeds, fuzz_mutate
sys.path.insert(0, str(Path(__file__).parent))                          # fuzz_budget

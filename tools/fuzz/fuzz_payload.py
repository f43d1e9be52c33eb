"""Fuzz the payload target by hand, as tools/fuzz/README.md says:

    .venv/bin/python tools/fuzz/fuzz_payload.py -max_total_time=300
"""

from fuzz_driver import main

if __name__ == "__main__":
    main("payload")

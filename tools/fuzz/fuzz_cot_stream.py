"""Fuzz the cot_stream target by hand, as tools/fuzz/README.md says:

    .venv/bin/python tools/fuzz/fuzz_cot_stream.py -max_total_time=300
"""

from fuzz_driver import main

if __name__ == "__main__":
    main("cot_stream")

"""The slow end-to-end test of the demo scenario: ``mcv demo --headless`` for a minute, with
the scripted backhaul outage, the drain and the SOS, judged from what the store and HQ saw.

About 60-90 s of wall time; ``-m "not end_to_end"`` leaves it out.
"""

import re
import subprocess
import sys
from datetime import datetime

import pytest

pytestmark = [pytest.mark.end_to_end, pytest.mark.broker]

DURATION_S = 50  # the scenario is fitted in: cut at 10 s for 17.5 s, SOS at 17 s, 22.5 s left for the drain
TIMESTAMP = r"(\d{4}-\d\d-\d\dT[\d:.]+Z)"


def summary_line(stdout: str, label: str) -> str:
    prefix = f"mcv demo: {label}:"
    found = [line[len(prefix):].strip() for line in stdout.splitlines() if line.startswith(prefix)]
    assert found, f"no '{label}' line in the summary:\n{stdout}"
    return found[-1]


def test_a_short_demo_records_an_outage_drains_its_backlog_and_keeps_the_sos():
    demo = subprocess.run([sys.executable, "-m", "console", "demo", "--headless", "--duration", str(DURATION_S)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=DURATION_S + 60)
    out = demo.stdout
    assert demo.returncode == 0, out + demo.stderr
    # start-up says what the scenario will do, and when
    assert "scenario: backhaul to HQ cut at 10 s, restored at 27.5 s" in out
    assert "scenario: Rescue 2 sends an SOS from its body camera at 17 s" in out

    outage = re.fullmatch(f"{TIMESTAMP} to {TIMESTAMP}", summary_line(out, "backhaul outage"))
    assert outage, summary_line(out, "backhaul outage")
    start, end = (datetime.fromisoformat(ts.replace("Z", "+00:00")) for ts in outage.groups())
    # cut for 17.5 s; noticing takes up to a few seconds, reconnecting up to the uplink's 5 s back-off
    assert 12 <= (end - start).total_seconds() <= 27, (start, end)

    queued = re.match(r"(\d+) items at the peak \((.*)\)", summary_line(out, "backlog queued"))
    assert queued and int(queued.group(1)) > 0, summary_line(out, "backlog queued")
    assert "alarm" in queued.group(2), "the SOS waited in the outbox during the outage"
    drained = re.match(r"(\d+) items in [\d.]+ s", summary_line(out, "backlog drained"))
    assert drained and int(drained.group(1)) >= int(queued.group(1)), summary_line(out, "backlog drained")

    sos = summary_line(out, "SOS alarm")
    assert re.match(f"stored at {TIMESTAMP}, at HQ", sos), sos
    assert start < datetime.fromisoformat(sos.split()[2].rstrip(",").replace("Z", "+00:00")) < end, \
        "the SOS came during the outage"

    assert summary_line(out, "events lost").startswith("none"), out
    assert summary_line(out, "reports acknowledged").endswith("all stored"), out
    assert summary_line(out, "units seen") == "10"

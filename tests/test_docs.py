"""The documentation stays true to the code it describes."""

from pathlib import Path

from radios.schema import PAYLOAD_KINDS

DOCS = Path(__file__).parents[1] / "docs"


def test_the_bus_guide_names_every_payload_kind():
    guide = (DOCS / "bus.md").read_text()
    missing = [kind for kind in PAYLOAD_KINDS if f"`{kind}`" not in guide]
    assert not missing, f"docs/bus.md does not describe: {', '.join(missing)}"

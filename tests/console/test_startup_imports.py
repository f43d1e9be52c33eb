"""The console paints first: heavy libraries load after the window, not on the way to it."""

import os
import subprocess
import sys

DEFERRED = ("paho", "av", "pymavlink", "numpy", "pyqtgraph", "vlc", "takproto", "serial")


def test_building_and_showing_the_window_loads_no_network_video_or_plotting_library(tmp_path):
    config = tmp_path / "mcv.toml"
    config.write_text('[broker]\nurl = "mqtt://127.0.0.1:9"\n')
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from radios.config import load_config\n"
        "from console.app import build_console\n"
        f"console = build_console(load_config(Path({str(config)!r})), 'commander', 'en')\n"
        "console.window.show()\n"
        "console.app.processEvents()\n"
        f"print(','.join(name for name in {DEFERRED!r} if name in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env=env, check=True).stdout.strip().splitlines()[-1:]
    assert loaded in ([], [""]), f"imported before the first paint: {loaded}"

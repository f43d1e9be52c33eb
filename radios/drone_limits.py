"""The drone thresholds every seat and the gateway agree on; cheap to import (no pymavlink)."""

LOST_AFTER_S = 3.0               # no heartbeat for this long: the drone is lost
LOW_BATTERY_PERCENT = 30.0       # warning: time to plan the return
CRITICAL_BATTERY_PERCENT = 15.0  # alarm: the drone must land now
BATTERY_HYSTERESIS = 5.0         # a level is left only this far above its threshold (noise, swaps)

"""Which stream gets a tile when a configured one and an announced one are the same camera (pure policy)."""

from radios.config import StreamConfig
from video.stream_merge import MergeDecision, StreamMergePolicy, is_configured, stream_unit
from video.stream_settings import AnnouncedStream

CONFIGURED = StreamConfig(id="drone-2-cam", name="Drone 2", kind="drone", url="rtsp://pilot:pw@10.0.0.32:8554/live",
                          sysid=2)
ANNOUNCED = AnnouncedStream(id="drone-2", name="Drone 2", kind="drone", url="rtsp://10.0.0.32:8554/live",
                            unit="drone-2", source="mavlink")
GATEWAY_CONFIGURED = AnnouncedStream(id="drone-2-cam", name="Drone 2", kind="drone", url="rtsp://10.0.0.32:8554/live",
                                     unit="drone-2", source="config")


def shown(*streams):
    return {stream.id: stream for stream in streams}


def test_the_unit_of_a_configured_drone_stream_and_of_an_announcement():
    assert stream_unit(CONFIGURED) == "drone-2" == stream_unit(ANNOUNCED)
    assert stream_unit(StreamConfig(id="mast", name="Mast", kind="mast", url="rtsp://h/m")) is None
    assert is_configured(CONFIGURED) and is_configured(GATEWAY_CONFIGURED) and not is_configured(ANNOUNCED)


def test_a_drones_announcement_is_an_alias_of_its_configured_stream():
    assert StreamMergePolicy.decide(shown(CONFIGURED), ANNOUNCED) == MergeDecision("alias", "drone-2-cam")
    assert StreamMergePolicy.decide(shown(GATEWAY_CONFIGURED), ANNOUNCED) == MergeDecision("alias", "drone-2-cam")


def test_a_configured_stream_arriving_after_the_announcement_replaces_it():
    assert StreamMergePolicy.decide(shown(ANNOUNCED), GATEWAY_CONFIGURED) == MergeDecision("replace", "drone-2")


def test_other_cases_get_tiles_of_their_own():
    thermal = StreamConfig(id="drone-2-ir", name="Drone 2 IR", kind="drone", url="rtsp://h/ir", sysid=2)
    other_drone = AnnouncedStream(id="drone-3", name="Drone 3", kind="drone", url="rtsp://h/3", unit="drone-3",
                                  source="mavlink")
    tak = AnnouncedStream(id="ANDROID-1", name="ALPHA", kind="tak", url="rtsp://h/a", unit="ANDROID-1", source="cot")
    assert StreamMergePolicy.decide(shown(CONFIGURED), thermal) == MergeDecision("add")
    assert StreamMergePolicy.decide(shown(CONFIGURED, ANNOUNCED), other_drone) == MergeDecision("add")
    assert StreamMergePolicy.decide(shown(CONFIGURED), tak) == MergeDecision("add")
    assert StreamMergePolicy.decide(shown(CONFIGURED), GATEWAY_CONFIGURED) == MergeDecision("known", "drone-2-cam")
    assert StreamMergePolicy.decide({}, ANNOUNCED) == MergeDecision("add")

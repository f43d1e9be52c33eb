"""Evidence recording of every stream marked ``record = true``, run by the gateway.

``RecordingService`` owns, per recorded stream, one ``RtspIngestWorker`` (its own network
pull, so recording goes on with no console open) and one ``StreamRecorder`` fed by that
worker's packets. Started and stopped by the composition root (``radios.gateway``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from video.ingest import RtspIngestWorker
from video.recorder import RecorderSettings, RecorderState, RecorderStatus, StreamRecorder
from video.stream_settings import StreamSettings

log = logging.getLogger(__name__)

RECORDINGS_FOLDER = "recordings"
STOP_TIMEOUT_S = 10.0


class RecordingService:
    """Records the streams whose settings say ``record``; the others are left alone."""

    def __init__(self, streams: Iterable[StreamSettings], settings: RecorderSettings) -> None:
        self.settings = settings
        self._pairs: list[tuple[RtspIngestWorker, StreamRecorder]] = []
        folders: set[Path] = set()
        for stream in streams:
            if not getattr(stream, "record", False):
                continue
            recorder = StreamRecorder(stream.id, settings)
            if recorder.folder in folders:  # one manifest, one writer: ids differing only in unsafe characters
                log.error("Stream %r is not recorded: its folder %s is already used by another stream; "
                          "give the streams ids of letters, digits, '-' and '_'", stream.id, recorder.folder)
                continue
            folders.add(recorder.folder)
            self._pairs.append((RtspIngestWorker(stream, on_packet=recorder.on_packet), recorder))

    @classmethod
    def beside(cls, store_path: Path, streams: Iterable[StreamSettings]) -> RecordingService:
        """A service recording into ``recordings/`` beside the gateway's store."""
        return cls(streams, RecorderSettings(folder=store_path.parent / RECORDINGS_FOLDER))

    def start(self) -> None:
        """Start every recorder, then its ingest (returns at once; a camera that is down retries)."""
        for worker, recorder in self._pairs:
            try:
                recorder.start()
            except OSError as exc:
                log.error("Recording %s cannot start: %s; check that %s is writable",
                          recorder.stream_id, exc, self.settings.folder)
                continue
            worker.start()

    def stop(self) -> None:
        """Stop every ingest, then let each recorder close and list its last segment."""
        for worker, _ in self._pairs:
            worker.stop(STOP_TIMEOUT_S)
        for _, recorder in self._pairs:
            recorder.stop(STOP_TIMEOUT_S)

    def statuses(self) -> list[RecorderStatus]:
        """Each recorded stream's recorder status (any thread)."""
        return [recorder.status() for _, recorder in self._pairs]

    def recording_ids(self) -> frozenset[str]:
        """The streams whose evidence is being written right now: a segment is open or follows (any thread)."""
        return frozenset(status.stream_id for status in self.statuses() if status.state is RecorderState.RECORDING)

"""Where and how to reach the local broker: a frozen snapshot, cheap to import (no paho)."""

from __future__ import annotations

from dataclasses import dataclass

MQTT_311, MQTT_5 = 4, 5  # the protocol levels on the wire (paho's MQTTv311 and MQTTv5)


@dataclass(frozen=True)
class BusSettings:
    """Where and how to reach the broker; a snapshot taken when the bus is built."""

    host: str
    port: int
    client_id: str
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    persistent_session: bool = False
    will: tuple[str, bytes] | None = None
    cert_file: str | None = None   # a client certificate (PEM) for brokers that ask for one
    key_file: str | None = None    # its private key, when not inside cert_file
    protocol: int = MQTT_5         # the first one tried; a broker that refuses 5 gets 3.1.1

    @classmethod
    def from_broker(cls, broker, client_id: str, *, persistent_session: bool = False,
                    will: tuple[str, bytes] | None = None) -> "BusSettings":
        """Settings for a ``BrokerConfig`` (from radios.config) that has a url."""
        return cls(
            host=broker.host, port=broker.port, client_id=client_id,
            username=broker.username, password=broker.password, tls=broker.tls,
            ca_file=str(broker.ca_file) if broker.ca_file else None,
            persistent_session=persistent_session, will=will,
        )

    def __repr__(self) -> str:
        return f"BusSettings(host={self.host!r}, port={self.port}, client_id={self.client_id!r}, tls={self.tls})"

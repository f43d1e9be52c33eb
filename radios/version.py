"""The installed mcv version, cheap to ask (no other part of mcv is imported)."""

from importlib import metadata


def version() -> str:
    try:
        return metadata.version("mcv-console")
    except metadata.PackageNotFoundError:
        return "0+unknown"

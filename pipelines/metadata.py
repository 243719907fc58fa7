"""Metadata the UI shows for each asset: row counts, a table preview, images."""

from __future__ import annotations

import base64
from pathlib import Path

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 20


def frame_metadata(frame: pd.DataFrame, *, preview: bool = True, **extra: object) -> dict[str, object]:
    """Row count, column schema and a Markdown preview of a frame.

    Only frames that are safe to show are previewed: firm-level assets and estimates
    that have not been through disclosure control pass ``preview=False``; the
    published tables show their disclosure-controlled Markdown instead.
    """
    meta: dict[str, object] = {
        "dagster/row_count": int(len(frame)),
        "columns": dg.MetadataValue.json({c: str(t) for c, t in frame.dtypes.items()}),
    }
    if preview:
        meta["preview"] = dg.MetadataValue.md(frame.head(PREVIEW_ROWS).to_markdown(index=False))
    for key, value in extra.items():
        meta[key] = value
    return meta


def image_markdown(path: str | Path, alt: str) -> dg.MetadataValue:
    """A PNG file embedded as base64 Markdown (Dagster has no image metadata type)."""
    return png_markdown(Path(path).read_bytes(), alt)


def png_markdown(png: bytes, alt: str) -> dg.MetadataValue:
    """PNG bytes embedded as base64 Markdown."""
    data = base64.b64encode(png).decode("ascii")
    return dg.MetadataValue.md(f"![{alt}](data:image/png;base64,{data})")

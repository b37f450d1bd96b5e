"""QR codes to the online fiches, as SVG, drawn locally with segno (no network, no image service)."""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import segno


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> bytes:
    """The QR code of ``url`` as a standalone SVG (error correction M, quiet zone of 2 modules).

    Without width and height but with a ``viewBox``: the page decides its printed size.
    """
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", border=2, dark="#000000", light="#ffffff",
                                                 xmldecl=False, omitsize=True)
    return out.getvalue()


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as a ``data:image/svg+xml`` URI, for an ``<img>`` with its alternative text."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")

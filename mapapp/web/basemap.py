"""The map background and what follows from it: the tiles every map loads, their credit, the CSP.

The tile source is read once from the settings (``MAPAPP_TILES``, see
:func:`mapapp.config.tile_source`) when the application is built; the page
templates get it as the ``basemap`` global and ``static/basemap.js`` adds it to
every Leaflet map, with the fallback drawn from the territory's own communes
(outlines and names) when there is no tile source or its tiles fail to load.
The Content-Security-Policy allows images from the tile host and nothing else,
and ``frame-ancestors`` lists ``MAPAPP_FRAME_ANCESTORS`` (public pages only).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

from mapapp.config import Settings, TileSource

#: Blueprints whose pages get the strict CSP (no inline script at all) and are never framed.
STRICT_BLUEPRINTS = {"auth", "partenaires", "moderation", "admin_parametres", "admin_identite", "scenarios"}
#: Simplification of the commune outlines of the fallback background, degrees (~100 m): the carte's outlines
#: use the same URL, so the browser fetches them once.
FALLBACK_TOLERANCE_DEG = 0.001


@dataclass(frozen=True)
class SecurityPolicy:
    """The security headers that depend on the settings, computed once per application."""

    csp_strict: str
    csp_public: str
    #: ``X-Frame-Options`` of the public pages (None when other origins may frame them: the CSP says which).
    frame_options_public: str | None
    frame_options_strict: str = "DENY"


def security_policy(settings: Settings) -> SecurityPolicy:
    """The CSP of the strict (contribution) pages and of the public pages, for ``settings``."""
    tiles = settings.tiles
    img = "'self' data:" + (f" {tiles.csp_source}" if tiles and tiles.csp_source != "'self'" else "")
    base = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors ")
    origins = [o for o in settings.frame_ancestors if o != "'none'"]
    public = base.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")  # folium's inline map script
    return SecurityPolicy(
        csp_strict=base + "'none'",
        csp_public=public + (" ".join(dict.fromkeys(["'self'", *origins])) if origins else "'none'"),
        frame_options_public=None if origins else "DENY",
    )


def page_config(tiles: TileSource | None) -> dict:
    """What ``static/basemap.js`` needs about the tiles (the ``basemap`` template global, as JSON)."""
    if tiles is None:
        return {"tiles": None}
    return {"tiles": {"url": tiles.url, "attribution": tiles.attribution, "maxZoom": tiles.max_zoom,
                      "subdomains": tiles.subdomains}}


def init_app(app: Flask, settings: Settings) -> None:
    """Compute the policy and the template globals once (``settings.tiles`` was checked at start-up)."""
    tiles = settings.tiles
    app.extensions["mapapp.security_policy"] = security_policy(settings)
    app.jinja_env.globals["basemap"] = page_config(tiles)
    app.jinja_env.globals["basemap_credit"] = tiles.label if tiles else None
    app.jinja_env.globals["basemap_tolerance"] = FALLBACK_TOLERANCE_DEG

"""The OpenAPI 3.1 description of ``/api`` (hand-written; the tests validate it and check it lists every route)."""

from __future__ import annotations

from mapapp.catalog import vocab


def _param(name: str, description: str, schema: dict, *, repeat: bool = False, example=None) -> dict:
    p = {"name": name, "in": "query", "required": False, "description": description,
         "schema": {"type": "array", "items": schema} if repeat else schema}
    if repeat:
        p.update(style="form", explode=True)
    if example is not None:
        p["example"] = example
    return p


def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


FILTERS = ["thematique", "public", "mode_accueil", "delivrance", "statut", "type_lieu", "commune", "territoire", "bbox"]


def _components() -> dict:
    parameters = {
        "thematique": _param("thematique", "Thématique data·inclusion ou catégorie entière (`mobilite`). Répétable : "
                             "une offre correspond si l'une de ses thématiques correspond.",
                             _enum([*vocab.CATEGORIES, *vocab.THEMATIQUES]), repeat=True, example=["mobilite"]),
        "public": _param("public", "Public visé ; une offre « tous-publics » correspond toujours. Répétable.",
                         _enum(vocab.PUBLICS), repeat=True),
        "mode_accueil": _param("mode_accueil", "Mode d'accueil de l'offre. Répétable.", _enum(vocab.MODES_ACCUEIL),
                               repeat=True),
        "delivrance": _param("delivrance", "Mode d'intervention de l'offre. Répétable.", _enum(vocab.DELIVERY_MODES),
                             repeat=True),
        "statut": _param("statut", "Statut des lieux, offres et solutions. Par défaut tout sauf `closed` ; "
                         "`tous` pour tout. Répétable.", _enum([*vocab.STATUSES, "tous"]), repeat=True),
        "type_lieu": _param("type_lieu", "Type de lieu. Répétable.", _enum(vocab.SITE_KINDS), repeat=True),
        "commune": _param("commune", "Commune : code INSEE, « Nom (code) » ou nom sans ambiguïté. Inconnue : 404.",
                          {"type": "string"}, example="96001"),
        "territoire": _param("territoire", "Unité d'un découpage, « découpage:code » (EPCI, canton, territoire "
                             "d'action sociale…). Inconnue : 404.", {"type": "string"},
                             example="territoire_action_sociale:TAS1"),
        "bbox": _param("bbox", "Rectangle « lon_min,lat_min,lon_max,lat_max » (degrés WGS84).", {"type": "string"},
                       example="2.0,45.0,2.3,45.1"),
        "geometry": _param("geometry", "0 pour omettre les géométries (`geometry: null`).", _enum(["0", "1"])),
    }
    error = {"description": "Erreur", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {
        "parameters": parameters,
        "schemas": {
            "Error": {"type": "object", "required": ["error"],
                      "properties": {"error": {"type": "string", "description": "Message en français."}}},
            "Geometry": {"type": ["object", "null"], "required": ["type"],
                         "properties": {"type": {"type": "string"}, "coordinates": {"type": "array"}}},
            "Feature": {"type": "object", "required": ["type", "geometry", "properties"],
                        "properties": {"type": {"const": "Feature"}, "id": {"type": "string"},
                                       "geometry": {"$ref": "#/components/schemas/Geometry"},
                                       "properties": {"type": "object"}}},
            "FeatureCollection": {"type": "object", "required": ["type", "features"],
                                  "properties": {"type": {"const": "FeatureCollection"},
                                                 "features": {"type": "array",
                                                              "items": {"$ref": "#/components/schemas/Feature"}}}},
        },
        "responses": {"BadRequest": {**error, "description": "Valeur de filtre ou coordonnée invalide"},
                      "NotFound": {**error, "description": "Commune, territoire ou ressource inconnus"}},
    }


def _geojson_op(summary: str, description: str, params: list[str]) -> dict:
    return {"get": {
        "summary": summary, "description": description,
        "parameters": [{"$ref": f"#/components/parameters/{p}"} for p in params],
        "responses": {
            "200": {"description": "FeatureCollection GeoJSON (WGS84)",
                    "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}},
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }}


def openapi_spec(server_url: str = "") -> dict:
    json_ok = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}}
    spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "mapapp – API de la cartographie de l'offre d'insertion",
            "version": "1",
            "description": "Lieux d'accueil, offres (schéma data·inclusion étendu), solutions de mobilité et communes "
                           "du territoire. Les filtres sont ceux de la carte (/carte). Erreurs : "
                           "`{\"error\": \"message\"}` avec le statut HTTP.",
        },
        "paths": {
            "/api/sites": _geojson_op("Lieux d'accueil", "Un Point par lieu. Mêmes filtres que la carte.",
                                      FILTERS),
            "/api/offers": _geojson_op(
                "Offres", "Une entité par couple (offre, lieu), géométrie Point du lieu, identifiant "
                "« offre@lieu » ; les offres sans lieu (à distance, départementales) ont `geometry: null`.", FILTERS),
            "/api/mobility": _geojson_op(
                "Solutions de mobilité", "Points (garages, locations…), zones (transport à la demande : union des "
                "communes desservies) et aides (`geometry: null`).",
                ["thematique", "public", "statut", "commune", "territoire", "bbox", "geometry"]),
            "/api/communes": {"get": {
                "summary": "Communes et population",
                "parameters": [
                    {"$ref": "#/components/parameters/geometry"},
                    _param("tolerance", "Simplification des contours, en degrés (0 à 0,05).", {"type": "number"}),
                    _param("buffer", "0 pour exclure les communes hors département (zone tampon).", _enum(["0", "1"])),
                    _param("lon", "Longitude : avec `lat`, la commune qui contient ce point.", {"type": "number"}),
                    _param("lat", "Latitude : avec `lon`.", {"type": "number"}),
                ],
                "responses": {
                    "200": {"description": "FeatureCollection GeoJSON",
                            "content": {"application/geo+json": {
                                "schema": {"$ref": "#/components/schemas/FeatureCollection"}}}},
                    "400": {"$ref": "#/components/responses/BadRequest"},
                },
            }},
            "/api/communes/{code}": {"get": {
                "summary": "Une commune : population, territoires, lieux et mobilité",
                "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                                "description": "Code INSEE"},
                               {"$ref": "#/components/parameters/geometry"}],
                "responses": {
                    "200": {"description": "Feature GeoJSON",
                            "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/Feature"}}}},
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }},
            "/api/thematiques": {"get": {"summary": "Thématiques data·inclusion par catégorie (libellés français)",
                                         "responses": {"200": json_ok}}},
            "/api/vocabulaires": {"get": {"summary": "Autres vocabulaires (publics, statuts, types de lieu…)",
                                          "responses": {"200": json_ok}}},
            "/api/openapi.json": {"get": {"summary": "Cette description", "responses": {"200": json_ok}}},
        },
        "components": _components(),
    }
    if server_url:
        spec["servers"] = [{"url": server_url}]
    return spec

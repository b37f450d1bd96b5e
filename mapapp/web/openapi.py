"""The OpenAPI 3.1 description of ``/api`` (hand-written; the tests validate it and check it lists every route)."""

from __future__ import annotations

from mapapp.catalog import vocab
from mapapp.catalog.filters import TERRITORY_PATTERN
from mapapp.web.openapi_scenarios import SECURITY_SCHEMES, scenario_paths

#: Coordinates, degrees WGS84 (numbers as JSON writes them: ``2.05``, ``-1e-05``).
LON = {"type": "number", "minimum": -180, "maximum": 180}
LAT = {"type": "number", "minimum": -90, "maximum": 90}
#: Modes of the accessibility endpoints (the engine's names are accepted too).
MODES = ["voiture", "velo", "marche", "sans_voiture", "transport", "tad", "car", "bike", "walk", "transit"]


def _point_param(name: str, description: str, *, required: bool, commune: bool = False) -> dict:
    """``lon`` and ``lat`` together (and, with ``commune``, a commune instead): one exploded object parameter.

    OpenAPI has no dependencies between parameters; an object serialised with
    ``style: form, explode: true`` is sent as its properties (``?lon=…&lat=…``), and its
    schema can say "both or neither" and "either a commune or a point".
    """
    point = {"type": "object", "properties": {"lon": LON, "lat": LAT}, "required": ["lon", "lat"],
             "additionalProperties": False}
    schema = point
    if commune:
        schema = {"oneOf": [
            {"type": "object", "properties": {"commune": {"type": "string", "minLength": 1, "pattern": NO_NUL_PATTERN}},
             "required": ["commune"], "additionalProperties": False},
            point]}
    return {"name": name, "in": "query", "required": required, "style": "form", "explode": True,
            "description": description, "schema": schema}


#: No NUL character in any free text value: every request carrying one is refused (400) by
#: :mod:`mapapp.web.input_guard`, so the contract says so.
NO_NUL_PATTERN = r"^[^\u0000]*$"


def _no_nul(schema: dict) -> dict:
    if schema.get("type") == "string" and "enum" not in schema and "pattern" not in schema:
        return {**schema, "pattern": NO_NUL_PATTERN}
    return schema


def _param(name: str, description: str, schema: dict, *, repeat: bool = False, example=None) -> dict:
    schema = _no_nul(schema)
    p = {"name": name, "in": "query", "required": False, "description": description,
         "schema": {"type": "array", "items": schema} if repeat else schema}
    if repeat:
        p.update(style="form", explode=True)
    if example is not None:
        p["example"] = example
    return p


def _enum(values) -> dict:
    return {"type": "string", "enum": list(values)}


FILTERS = ["thematique", "public", "mode_accueil", "delivrance", "statut", "type_lieu", "commune", "territoire", "bbox",
           "ouvert_le", "demi_journee"]


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
                          {"type": "string", "minLength": 1}, example="96001"),
        "territoire": _param("territoire", "Unité d'un découpage, « découpage:code » (EPCI, canton, territoire "
                             "d'action sociale…). Inconnue : 404.",
                             {"type": "string", "pattern": TERRITORY_PATTERN},
                             example="territoire_action_sociale:TAS1"),
        "bbox": {**_param("bbox", "Rectangle « lon_min,lat_min,lon_max,lat_max » (degrés WGS84) : deux coins "
                          "opposés, dans un ordre ou dans l'autre.",
                          {"type": "array", "prefixItems": [LON, LAT, LON, LAT], "minItems": 4, "maxItems": 4,
                           "items": False}, example=[2.0, 45.0, 2.3, 45.1]),
                 "style": "form", "explode": False},
        "geometry": _param("geometry", "0 pour omettre les géométries (`geometry: null`).", _enum(["0", "1"])),
        "ouvert_le": _param("ouvert_le", "Seules les offres ouvertes ce jour-là dans leur lieu (horaires de l'offre, "
                            "sinon du lieu ; jours fériés appliqués ; fermeture temporaire du lieu) : AAAA-MM-JJ. "
                            "Une offre sans horaires renseignés est écartée (horaires inconnus).",
                            {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                            example="2026-12-08"),
        "demi_journee": _param("demi_journee", "Ouvertes ce matin-là (avant midi) ou cet après-midi-là du jour "
                               "`ouvert_le` (sans `ouvert_le` : aujourd'hui, heure de Paris).",
                               _enum(["matin", "apres-midi"])),
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


def _access_paths() -> dict:
    """Accessibility: stored results (communes, territories) and the nearest offers from one place."""
    theme = _param("theme", "Clé d'un thème calculé (`france_services`, `mobilite`, `sante`… : voir les thèmes du "
                   "manifeste des résultats). Par défaut `france_services`. Inconnu : 404.", {"type": "string"},
                   example="france_services")
    mode = _param("mode", "Mode de déplacement (`car`, `bike`, `walk` acceptés aussi). Par défaut `voiture`. "
                  "Inconnu : 400 ; non calculé : 404.", _enum(MODES))
    seuil = _param("seuil", "Seuil en minutes, de plus de 0 à 600. Par défaut le seuil principal du thème ; un "
                   "seuil hors des seuils du thème (`thresholds_min` de la réponse) est calculé à partir des temps "
                   "de chaque point de population. Hors de ces bornes : 400.",
                   {"type": "number", "exclusiveMinimum": 0, "maximum": 600}, example=20)
    json_ok = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}}
    errors = {"400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
    times = ("Temps en minutes ; une valeur injoignable (aucun lieu atteignable) vaut `null` avec "
             "`status: \"injoignable\"`, jamais un nombre. Parts dans [0, 1]. 404 tant que `mapapp compute` "
             "n'a pas été lancé.")
    variant = [
        _param("public", "Public des résultats : clé d'un public des réglages (`minima_sociaux`, `jeunes`, "
               "`handicap`…) ou public data·inclusion qu'il représente (`beneficiaires-des-minimas-sociaux`) ; "
               "seules comptent alors les offres ouvertes à ce public (offres pour tous comprises). Tous publics "
               "par défaut. Non calculé : 404.", {"type": "string", "pattern": "^[a-z0-9_-]+$"},
               example="minima_sociaux"),
        _param("horaires", "`tous` (tous les lieux ouverts, par défaut) ou `ouverts` : seuls comptent les lieux "
               "ouverts au moins le nombre d'heures par semaine des réglages (règle des horaires).",
               _enum(["tous", "ouverts"])),
        _param("date", "Situation à cette date (`AAAA-MM-JJ`) : les résultats de l'instantané daté de ce jour "
               "(observatoire) au lieu des derniers calculés ; la réponse le dit dans `situation`. Date mal "
               "écrite : 400 ; aucun instantané ce jour-là : 404.", {"type": "string", "format": "date"},
               example="2026-01-01"),
    ]
    return {
        "/api/accessibilite/communes": {"get": {
            "summary": "Temps d'accès par commune (résultats calculés)",
            "description": "Par commune du département, pour un thème et un mode : temps moyen pondéré par la "
                           "population vers le lieu éligible le plus proche, habitants au-delà de chaque seuil "
                           "(`bands`), zone blanche au seuil principal (`zone_blanche`) et au seuil choisi "
                           "(`zone_blanche_at_threshold` : tous les habitants au-delà), superposition "
                           "(`mean_sites_within`, `share_population_2plus`, au seuil principal), lieu le plus "
                           "proche. Colonnes : voir `mapapp/access/indicators.py`. " + times
                           + " JSON `{..., communes: [...]}` ; FeatureCollection GeoJSON avec `geometry=1`.",
            "parameters": [theme, mode, seuil, *variant,
                           _param("geometry", "1 pour une FeatureCollection GeoJSON avec les contours.",
                                  _enum(["0", "1"]))],
            "responses": {"200": {"description": "JSON, ou GeoJSON avec geometry=1", "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}},
                **errors},
        }},
        "/api/accessibilite/territoires": {"get": {
            "summary": "Temps d'accès par territoire (résultats calculés)",
            "description": "Par unité d'un découpage (EPCI, canton, bassin de vie, territoire d'action sociale…) "
                           "et pour l'ensemble du département (`grid = code = \"all\"`, en dernier) : population, "
                           "temps moyen, habitants et part au-delà du seuil, zones blanches au seuil. " + times,
            "parameters": [theme, mode, seuil, *variant,
                           _param("grid", "Découpage (`epci`, `canton`, `bassin_de_vie`, "
                                  "`territoire_action_sociale`…) ; tous par défaut. Inconnu : 404.",
                                  {"type": "string"}, example="bassin_de_vie")],
            "responses": {"200": json_ok, **errors},
        }},
        "/api/plus-proches": {"get": {
            "summary": "Les offres les plus proches d'une commune ou d'un point, en temps de trajet",
            "description": "Calcule (une recherche sur le réseau routier du mode) les `n` lieux les plus proches "
                           "proposant une offre ouverte du thème, sur site ou itinérante, éligible pour la commune "
                           "d'origine (zone d'éligibilité) et, si `public` est donné, ouverte à ce public. "
                           "Origine : le point principal (mairie) de la commune, ou le point `lon`/`lat` (sa "
                           "commune donne l'éligibilité ; hors de toute commune, seules les offres sans "
                           "restriction comptent). Réponse : `origin`, `results` (rang, lieu, `time_min`, "
                           "offres du lieu) et `message` quand il n'y a aucun résultat.",
            "parameters": [
                _point_param("origine", "L'origine : `commune` (code INSEE ; inconnue : 404), ou `lon` et `lat` "
                             "(degrés WGS84), pas les deux. Ces paramètres s'écrivent tels quels dans l'adresse "
                             "(`?commune=96001` ou `?lon=2.05&lat=45.05`).", required=True, commune=True),
                theme, mode,
                _param("public", "Public data·inclusion ; les offres « tous publics » correspondent toujours.",
                       _enum(vocab.PUBLICS)),
                _param("n", "Nombre de lieux (1 à 50, 5 par défaut).",
                       {"type": "integer", "minimum": 1, "maximum": 50}),
                {"$ref": "#/components/parameters/ouvert_le"}, {"$ref": "#/components/parameters/demi_journee"},
            ],
            "responses": {"200": json_ok, **errors},
        }},
        "/api/adresses": {"get": {
            "summary": "Recherche d'adresses (Base Adresse Nationale du département, hors ligne)",
            "description": "Les adresses, voies, lieux-dits et communes du département qui correspondent au texte "
                           "tapé, les meilleurs d'abord (sans tenir compte des accents ni des majuscules ; un mot "
                           "peut n'être que le début d'un mot). Réponse : `results`, chacun avec `id`, `kind` "
                           "(`adresse`, `voie`, `lieu-dit`, `commune`), `label`, `lon`, `lat`, `commune` (code "
                           "INSEE) et `nom_commune` ; liste vide si rien ne correspond (ou texte vide). 404 tant qu'aucune adresse "
                           "n'a été importée (`mapapp territory adresses`).",
            "parameters": [
                {**_param("q", "Le texte tapé (au plus 200 caractères), par exemple « 12 rue de la paix ajaccio ».",
                          {"type": "string", "maxLength": 200}, example="12 rue de la paix"), "required": True},
                _param("n", "Nombre de suggestions (1 à 20, 8 par défaut).",
                       {"type": "integer", "minimum": 1, "maximum": 20}),
            ],
            "responses": {"200": json_ok, **errors},
        }},
    }


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
                    _param("tolerance", "Simplification des contours, en degrés (0 à 0,05).",
                           {"type": "number", "minimum": 0, "maximum": 0.05}),
                    _param("buffer", "0 pour exclure les communes hors département (zone tampon).", _enum(["0", "1"])),
                    _point_param("point", "`lon` et `lat` ensemble (degrés WGS84) : la commune qui contient ce "
                                 "point (`?lon=2.05&lat=45.05`).", required=False),
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
                "parameters": [{"name": "code", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": NO_NUL_PATTERN}, "description": "Code INSEE"},
                               {"$ref": "#/components/parameters/geometry"}],
                "responses": {
                    "200": {"description": "Feature GeoJSON",
                            "content": {"application/geo+json": {"schema": {"$ref": "#/components/schemas/Feature"}}}},
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }},
            **_access_paths(),
            "/api/thematiques": {"get": {"summary": "Thématiques data·inclusion par catégorie (libellés français)",
                                         "responses": {"200": json_ok}}},
            "/api/vocabulaires": {"get": {"summary": "Autres vocabulaires (publics, statuts, types de lieu…)",
                                          "responses": {"200": json_ok}}},
            "/api/openapi.json": {"get": {"summary": "Cette description", "responses": {"200": json_ok}}},
            **scenario_paths(),
        },
        "components": {**_components(), "securitySchemes": SECURITY_SCHEMES},
    }
    for path in spec["paths"].values():  # a NUL character anywhere (even an unknown parameter) is a 400
        for operation in path.values():
            operation["responses"].setdefault("400", {"$ref": "#/components/responses/BadRequest"})
    if server_url:
        spec["servers"] = [{"url": server_url}]
    return spec


def query_parameters(spec: dict) -> dict[str, frozenset[str]]:
    """For each documented path (``/api/communes/{code}``), the query parameter names its GET accepts.

    An exploded object parameter (``style: form, explode: true``) is sent as its
    properties, so those are the names. The API refuses any other name (400):
    with ``additionalProperties: false`` on those objects the document says an
    unknown name is invalid, and a misspelt filter (``?comune=``) must not be
    silently ignored.
    """
    shared = spec.get("components", {}).get("parameters", {})
    allowed = {}
    for path, item in spec["paths"].items():
        names: set[str] = set()
        for param in item.get("get", {}).get("parameters", []):
            if "$ref" in param:
                param = shared[param["$ref"].rsplit("/", 1)[1]]
            if param.get("in") != "query":
                continue
            schema = param.get("schema", {})
            if param.get("explode") and param.get("style", "form") == "form" and (
                    schema.get("type") == "object" or "oneOf" in schema):
                for variant in schema.get("oneOf", [schema]):
                    names.update(variant.get("properties", {}))
            else:
                names.add(param["name"])
        allowed[path] = frozenset(names)
    return allowed

"""The OpenAPI description of the planners' scenarios API (``/api/scenarios``, :mod:`mapapp.web.scenarios_api`)."""

from __future__ import annotations

from mapapp.web.scenarios_forms import KINDS, MODES

NO_NUL_PATTERN = r"^[^\u0000]*$"
#: The session cookie of a planner (moderator or administrator) logged in on /connexion.
SECURITY_SCHEMES = {"sessionPlanificateur": {
    "type": "apiKey", "in": "cookie", "name": "session",
    "description": "Session d'un planificateur (modérateur ou administrateur) connecté sur /connexion. "
                   "Sans session : 401 ; un autre profil (partenaire) : 403."}}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, schema: dict | None = None) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


SCENARIO_ID = {"name": "scenario_id", "in": "path", "required": True, "description": "Numéro du scénario",
               "schema": {"type": "integer", "minimum": 1, "maximum": 2**53}}
AVEC = {"name": "avec", "in": "query", "required": False,
        "description": "Comparer avec ce scénario (« avant ») au lieu de la situation actuelle.",
        "schema": {"type": "string", "pattern": r"^[0-9]{1,15}$"}}
PENDING = _ok("Calcul lancé ou en cours : `{\"etat\": \"en cours\", \"etapes\": [...]}` ; réessayer plus tard.")


def _string(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string", "pattern": NO_NUL_PATTERN}}


def _responses(*extra: str, ok: dict) -> dict:
    out = {"200": ok, "401": _error("Connexion requise (session d'un planificateur)"),
           "403": _error("Réservé aux planificateurs (modérateurs, administrateurs)")}
    known = {"202": PENDING, "404": _error("Scénario inconnu ou non visible, ou comparaison non calculée"),
             "409": _error("Aucun résultat d'accessibilité calculé"), "429": _error("Un autre calcul est en cours")}
    out.update({code: known[code] for code in extra})
    return out


def scenario_paths() -> dict:
    security = [{"sessionPlanificateur": []}]
    count = {"type": "string", "pattern": r"^[0-9]{1,2}$"}
    return {
        "/api/scenarios": {"get": {
            "summary": "Scénarios visibles du planificateur connecté",
            "description": "Les siens, ceux qu'on partage avec lui (et tous pour un administrateur).",
            "security": security, "responses": _responses(ok=_ok("`{\"scenarios\": [...]}`"))}},
        "/api/scenarios/{scenario_id}": {"get": {
            "summary": "Un scénario et ses modifications", "security": security, "parameters": [SCENARIO_ID],
            "responses": _responses("404", ok=_ok("Le scénario"))}},
        "/api/scenarios/{scenario_id}/comparaison": {"get": {
            "summary": "Comparaison avec la situation actuelle (ou un autre scénario)",
            "description": "Par mode et thème, pour tout le territoire et par commune : habitants gagnés et perdus "
                           "sous le seuil, zones blanches créées et supprimées, temps moyen, superposition créée. "
                           "La réponse dit le public (`public`, `public_libelle`). "
                           "Non encore calculée : le calcul est lancé et la réponse est 202.",
            "security": security,
            "parameters": [SCENARIO_ID, AVEC,
                           _string("public", "Clé du public (réglages d'accessibilité du territoire) : seules "
                                             "comptent les offres ouvertes à ce public ; par défaut tout le monde.")],
            "responses": _responses("202", "404", "409", "429", ok=_ok("La comparaison"))}},
        "/api/scenarios/{scenario_id}/propositions": {"get": {
            "summary": "Propositions : meilleurs emplacements, fermetures à moindre perte, tournée itinérante",
            "description": "Mêmes paramètres que la page du scénario. Non encore calculées : le calcul est lancé "
                           "et la réponse est 202.",
            "security": security,
            "parameters": [SCENARIO_ID,
                           _string("type", "Type de proposition.", {"type": "string", "enum": list(KINDS)}),
                           _string("theme", "Clé du thème (réglages)."),
                           _string("public", "Clé du public (réglages) ; par défaut tout le monde."),
                           _string("mode", "Mode de déplacement.", {"type": "string", "enum": list(MODES)}),
                           _string("seuil", "Seuil en minutes (par défaut : le seuil principal du thème)."),
                           _string("k", "Nombre de lieux.", count),
                           _string("candidats", "Liste de candidats envoyée depuis la page du scénario (son "
                                                "empreinte) ; par défaut les mairies et les lieux partenaires.",
                                   {"type": "string", "pattern": r"^[0-9a-f]{16}$"}),
                           _string("tournee", "Nom de la tournée itinérante (type `tournee`)."),
                           _string("demi_journees", "Demi-journées disponibles par période.", count),
                           _string("max_par_arret", "Demi-journées au plus par arrêt.", count),
                           _string("visites_utiles", "Visites par période pour servir pleinement un habitant.",
                                   count)],
            "responses": _responses("202", "404", "409", "429", ok=_ok("Les propositions"))}},
    }

"""The départements and where their OpenStreetMap extracts live.

``DEPARTEMENTS[code] = (nom, osmfr_path, geofabrik_region)``:

- ``osmfr_path``: the département's extract on openstreetmap.fr, relative to
  ``https://download.openstreetmap.fr/extracts/`` (without ``.osm.pbf``).
  The metropolitan paths use the regions *before* the 2016 reform
  (``midi_pyrenees/aveyron``), the overseas ones their continent
  (``africa/reunion``);
- ``geofabrik_region``: the Geofabrik France sub-region holding it
  (``https://download.geofabrik.de/europe/france/<region>-latest.osm.pbf``),
  larger, but it carries the neighbouring départements of the same old region
  (useful for the buffer around the border).
"""

from __future__ import annotations

DEPARTEMENTS: dict[str, tuple[str, str, str]] = {
    "01": ("Ain", "europe/france/rhone_alpes/ain", "rhone-alpes"),
    "02": ("Aisne", "europe/france/picardie/aisne", "picardie"),
    "03": ("Allier", "europe/france/auvergne/allier", "auvergne"),
    "04": ("Alpes-de-Haute-Provence", "europe/france/provence_alpes_cote_d_azur/alpes_de_haute_provence", "provence-alpes-cote-d-azur"),
    "05": ("Hautes-Alpes", "europe/france/provence_alpes_cote_d_azur/hautes_alpes", "provence-alpes-cote-d-azur"),
    "06": ("Alpes-Maritimes", "europe/france/provence_alpes_cote_d_azur/alpes_maritimes", "provence-alpes-cote-d-azur"),
    "07": ("Ardèche", "europe/france/rhone_alpes/ardeche", "rhone-alpes"),
    "08": ("Ardennes", "europe/france/champagne_ardenne/ardennes", "champagne-ardenne"),
    "09": ("Ariège", "europe/france/midi_pyrenees/ariege", "midi-pyrenees"),
    "10": ("Aube", "europe/france/champagne_ardenne/aube", "champagne-ardenne"),
    "11": ("Aude", "europe/france/languedoc_roussillon/aude", "languedoc-roussillon"),
    "12": ("Aveyron", "europe/france/midi_pyrenees/aveyron", "midi-pyrenees"),
    "13": ("Bouches-du-Rhône", "europe/france/provence_alpes_cote_d_azur/bouches_du_rhone", "provence-alpes-cote-d-azur"),
    "14": ("Calvados", "europe/france/basse_normandie/calvados", "basse-normandie"),
    "15": ("Cantal", "europe/france/auvergne/cantal", "auvergne"),
    "16": ("Charente", "europe/france/poitou_charentes/charente", "poitou-charentes"),
    "17": ("Charente-Maritime", "europe/france/poitou_charentes/charente_maritime", "poitou-charentes"),
    "18": ("Cher", "europe/france/centre/cher", "centre"),
    "19": ("Corrèze", "europe/france/limousin/correze", "limousin"),
    "2A": ("Corse-du-Sud", "europe/france/corse/corse_du_sud", "corse"),
    "2B": ("Haute-Corse", "europe/france/corse/haute_corse", "corse"),
    "21": ("Côte-d'Or", "europe/france/bourgogne/cote_d_or", "bourgogne"),
    "22": ("Côtes-d'Armor", "europe/france/bretagne/cotes_d_armor", "bretagne"),
    "23": ("Creuse", "europe/france/limousin/creuse", "limousin"),
    "24": ("Dordogne", "europe/france/aquitaine/dordogne", "aquitaine"),
    "25": ("Doubs", "europe/france/franche_comte/doubs", "franche-comte"),
    "26": ("Drôme", "europe/france/rhone_alpes/drome", "rhone-alpes"),
    "27": ("Eure", "europe/france/haute_normandie/eure", "haute-normandie"),
    "28": ("Eure-et-Loir", "europe/france/centre/eure_et_loir", "centre"),
    "29": ("Finistère", "europe/france/bretagne/finistere", "bretagne"),
    "30": ("Gard", "europe/france/languedoc_roussillon/gard", "languedoc-roussillon"),
    "31": ("Haute-Garonne", "europe/france/midi_pyrenees/haute_garonne", "midi-pyrenees"),
    "32": ("Gers", "europe/france/midi_pyrenees/gers", "midi-pyrenees"),
    "33": ("Gironde", "europe/france/aquitaine/gironde", "aquitaine"),
    "34": ("Hérault", "europe/france/languedoc_roussillon/herault", "languedoc-roussillon"),
    "35": ("Ille-et-Vilaine", "europe/france/bretagne/ille_et_vilaine", "bretagne"),
    "36": ("Indre", "europe/france/centre/indre", "centre"),
    "37": ("Indre-et-Loire", "europe/france/centre/indre_et_loire", "centre"),
    "38": ("Isère", "europe/france/rhone_alpes/isere", "rhone-alpes"),
    "39": ("Jura", "europe/france/franche_comte/jura", "franche-comte"),
    "40": ("Landes", "europe/france/aquitaine/landes", "aquitaine"),
    "41": ("Loir-et-Cher", "europe/france/centre/loir_et_cher", "centre"),
    "42": ("Loire", "europe/france/rhone_alpes/loire", "rhone-alpes"),
    "43": ("Haute-Loire", "europe/france/auvergne/haute_loire", "auvergne"),
    "44": ("Loire-Atlantique", "europe/france/pays_de_la_loire/loire_atlantique", "pays-de-la-loire"),
    "45": ("Loiret", "europe/france/centre/loiret", "centre"),
    "46": ("Lot", "europe/france/midi_pyrenees/lot", "midi-pyrenees"),
    "47": ("Lot-et-Garonne", "europe/france/aquitaine/lot_et_garonne", "aquitaine"),
    "48": ("Lozère", "europe/france/languedoc_roussillon/lozere", "languedoc-roussillon"),
    "49": ("Maine-et-Loire", "europe/france/pays_de_la_loire/maine_et_loire", "pays-de-la-loire"),
    "50": ("Manche", "europe/france/basse_normandie/manche", "basse-normandie"),
    "51": ("Marne", "europe/france/champagne_ardenne/marne", "champagne-ardenne"),
    "52": ("Haute-Marne", "europe/france/champagne_ardenne/haute_marne", "champagne-ardenne"),
    "53": ("Mayenne", "europe/france/pays_de_la_loire/mayenne", "pays-de-la-loire"),
    "54": ("Meurthe-et-Moselle", "europe/france/lorraine/meurthe_et_moselle", "lorraine"),
    "55": ("Meuse", "europe/france/lorraine/meuse", "lorraine"),
    "56": ("Morbihan", "europe/france/bretagne/morbihan", "bretagne"),
    "57": ("Moselle", "europe/france/lorraine/moselle", "lorraine"),
    "58": ("Nièvre", "europe/france/bourgogne/nievre", "bourgogne"),
    "59": ("Nord", "europe/france/nord_pas_de_calais/nord", "nord-pas-de-calais"),
    "60": ("Oise", "europe/france/picardie/oise", "picardie"),
    "61": ("Orne", "europe/france/basse_normandie/orne", "basse-normandie"),
    "62": ("Pas-de-Calais", "europe/france/nord_pas_de_calais/pas_de_calais", "nord-pas-de-calais"),
    "63": ("Puy-de-Dôme", "europe/france/auvergne/puy_de_dome", "auvergne"),
    "64": ("Pyrénées-Atlantiques", "europe/france/aquitaine/pyrenees_atlantiques", "aquitaine"),
    "65": ("Hautes-Pyrénées", "europe/france/midi_pyrenees/hautes_pyrenees", "midi-pyrenees"),
    "66": ("Pyrénées-Orientales", "europe/france/languedoc_roussillon/pyrenees_orientales", "languedoc-roussillon"),
    "67": ("Bas-Rhin", "europe/france/alsace/bas_rhin", "alsace"),
    "68": ("Haut-Rhin", "europe/france/alsace/haut_rhin", "alsace"),
    "69": ("Rhône", "europe/france/rhone_alpes/rhone", "rhone-alpes"),
    "70": ("Haute-Saône", "europe/france/franche_comte/haute_saone", "franche-comte"),
    "71": ("Saône-et-Loire", "europe/france/bourgogne/saone_et_loire", "bourgogne"),
    "72": ("Sarthe", "europe/france/pays_de_la_loire/sarthe", "pays-de-la-loire"),
    "73": ("Savoie", "europe/france/rhone_alpes/savoie", "rhone-alpes"),
    "74": ("Haute-Savoie", "europe/france/rhone_alpes/haute_savoie", "rhone-alpes"),
    "75": ("Paris", "europe/france/ile_de_france/paris", "ile-de-france"),
    "76": ("Seine-Maritime", "europe/france/haute_normandie/seine_maritime", "haute-normandie"),
    "77": ("Seine-et-Marne", "europe/france/ile_de_france/seine_et_marne", "ile-de-france"),
    "78": ("Yvelines", "europe/france/ile_de_france/yvelines", "ile-de-france"),
    "79": ("Deux-Sèvres", "europe/france/poitou_charentes/deux_sevres", "poitou-charentes"),
    "80": ("Somme", "europe/france/picardie/somme", "picardie"),
    "81": ("Tarn", "europe/france/midi_pyrenees/tarn", "midi-pyrenees"),
    "82": ("Tarn-et-Garonne", "europe/france/midi_pyrenees/tarn_et_garonne", "midi-pyrenees"),
    "83": ("Var", "europe/france/provence_alpes_cote_d_azur/var", "provence-alpes-cote-d-azur"),
    "84": ("Vaucluse", "europe/france/provence_alpes_cote_d_azur/vaucluse", "provence-alpes-cote-d-azur"),
    "85": ("Vendée", "europe/france/pays_de_la_loire/vendee", "pays-de-la-loire"),
    "86": ("Vienne", "europe/france/poitou_charentes/vienne", "poitou-charentes"),
    "87": ("Haute-Vienne", "europe/france/limousin/haute_vienne", "limousin"),
    "88": ("Vosges", "europe/france/lorraine/vosges", "lorraine"),
    "89": ("Yonne", "europe/france/bourgogne/yonne", "bourgogne"),
    "90": ("Territoire de Belfort", "europe/france/franche_comte/territoire_de_belfort", "franche-comte"),
    "91": ("Essonne", "europe/france/ile_de_france/essonne", "ile-de-france"),
    "92": ("Hauts-de-Seine", "europe/france/ile_de_france/hauts_de_seine", "ile-de-france"),
    "93": ("Seine-Saint-Denis", "europe/france/ile_de_france/seine_saint_denis", "ile-de-france"),
    "94": ("Val-de-Marne", "europe/france/ile_de_france/val_de_marne", "ile-de-france"),
    "95": ("Val-d'Oise", "europe/france/ile_de_france/val_d_oise", "ile-de-france"),
    "971": ("Guadeloupe", "central-america/guadeloupe", "guadeloupe"),
    "972": ("Martinique", "central-america/martinique", "martinique"),
    "973": ("Guyane", "south-america/guyane", "guyane"),
    "974": ("La Réunion", "africa/reunion", "reunion"),
    "976": ("Mayotte", "africa/mayotte", "mayotte"),
}


def normalize_departement(code: str | int) -> str:
    """``"2a"`` → ``"2A"``, ``1`` → ``"01"``; raises ``KeyError`` for unknown départements."""
    text = str(code).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    if text not in DEPARTEMENTS:
        raise KeyError(f"département inconnu : {code!r} (ex. 01, 2A, 77, 974)")
    return text

"""Fiches site, offre and commune; French 404 pages."""

from __future__ import annotations

import re

from markupsafe import escape

from tests.web.conftest import XSS, XSS_TEMPLATE


def _get(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_fiche_site(client):
    page = _get(client, "/site/test--site-1")
    assert "<h1>Maison des Solidarités de Test</h1>" in page
    assert "Département – siège" in page and "Département de Test" in page
    assert "1 rue de la Mairie, 96000" in page and '<a href="/commune/96001">Arlenc</a>' in page
    assert "du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h ; fermé les jours fériés" in page
    assert "<code>Mo-Fr 08:30-12:00,13:30-17:00; PH off</code>" in page
    assert "15 janvier 2026" in page  # date_maj in French
    # Its offers, including the closed one, each with its status.
    assert '<a href="/offre/test--offre-1">Accompagnement socio-professionnel</a>' in page
    # A small map with the site's marker.
    assert "/static/vendor/leaflet/leaflet.js" in page and '"title": "Maison des Solidarit' in page
    assert 'id="desserte"' in page and "lancez « mapapp compute »" in page  # no results yet: said, not faked


def test_fiche_site_temporarily_closed_shows_its_dates(client):
    page = _get(client, "/site/test--perm")
    assert "Statut : Fermé temporairement du 01/07/2026 au 31/08/2026" in page
    assert "le 2e jeudi du mois de 9h à 12h" in page and "<code>Th[2] 09:00-12:00</code>" in page
    # 3 h once every 4 weeks
    assert "Soit ouvert environ 45 min par semaine (moyenne sur un mois type de 4 semaines)." in page


def test_fiche_site_gives_weekly_hours_and_nothing_when_no_hours_are_given(client):
    assert "Soit ouvert environ 35 h par semaine" in _get(client, "/site/test--site-1")
    page = _get(client, "/site/test--xss")
    assert "Horaires non renseignés" in page and "par semaine" not in page


def test_fiche_itinerant_stop_lists_the_route_in_order(client):
    page = _get(client, "/site/test--bus-a")
    assert "Arrêts de la tournée « Bus France Services du plateau »" in page
    stops = re.findall(r"<li>(?:<strong>|<a [^>]*>)(Bus : [^<]*)<", page)
    assert stops == ["Bus : arrêt de l&#39;école", "Bus : arrêt de la place"]
    assert "(ce lieu)" in page


def test_fiche_site_escapes_user_text(client):
    page = _get(client, "/site/test--xss")
    assert XSS not in page
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert "Téléphone : &lt;script&gt;" in page  # the structure's phone is hostile too
    assert str(escape(XSS_TEMPLATE)) in page


def test_fiche_offre(client):
    page = _get(client, "/offre/test--o-fs")
    assert "<h1>Aide aux démarches administratives</h1>" in page
    assert "Difficultés administratives ou juridiques : " in page
    assert "Tous publics" in page and "Sur site" in page
    assert "Lieux d'accueil (3)" in page
    for site in ("test--fs-arlenc", "test--bus-a", "test--bus-b"):
        assert f'href="/site/{site}"' in page
    assert "Département 96" in page  # zone d'éligibilité in words
    assert "<dt>Frais</dt><dd>Gratuit" in page  # one French label, not the letters of the code
    assert page.count("mapapp-marker-france_services") >= 1


def test_fiche_offre_without_site_has_no_map(client):
    page = _get(client, "/offre/test--o-remote")
    assert "n'a pas de lieu d'accueil (à distance)" in page
    assert "leaflet.js" not in page


def test_fiche_offre_escapes_user_text(client):
    page = _get(client, "/offre/test--o-xss")
    assert XSS not in page and "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page


def test_fiche_commune(client):
    page = _get(client, "/commune/96001")
    assert "<h1>Arlenc <small>(96001)</small></h1>" in page
    assert "1\u202f200 habitants" in page
    assert '<a href="/carte?territoire=epci:200096001">CC du Test</a>' in page
    assert '<a href="/carte?territoire=territoire_action_sociale:TAS1">Territoire Nord</a>' in page
    assert "Transport à la demande du plateau" in page and "Aide au permis" in page
    assert "Aucune solution de mobilité n'est située dans la commune." in page
    for site in ("test--site-1", "test--fs-arlenc", "test--bus-b", "test--num-1", "test--num-2"):
        assert f'href="/site/{site}"' in page
    assert "test--closed" not in page
    assert "sans horaires renseignés" not in page  # every site of Arlenc gives its hours
    assert 'id="temps-acces"' in page and "lancez « mapapp compute »" in page
    assert 'href="/carte?commune=Arlenc+(96001)"' in page


def test_fiche_commune_lists_mobility_points_and_escapes(client):
    page = _get(client, "/commune/96002")
    assert "Garage solidaire &lt;script&gt;" in page and XSS not in page
    assert "<p>1 lieu sans horaires renseignés.</p>" in page
    buffer = _get(client, "/commune/96501")
    assert "zone tampon" in buffer


def test_unknown_ids_give_a_french_404(client):
    for url, text in (("/site/inconnu", "Aucun lieu n&#39;a l&#39;identifiant « inconnu »."),
                      ("/offre/inconnue", "Aucune offre n&#39;a l&#39;identifiant « inconnue »."),
                      ("/commune/99999", "Aucune commune n&#39;a le code « 99999 »."),
                      ("/pas-de-page", "L&#39;adresse demandée ne correspond à aucune page.")):
        page = _get(client, url, 404)
        assert "<title>Page introuvable – mapapp</title>" in page and text in page
        assert '<html lang="fr">' in page
    page = _get(client, "/site/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", 404)
    assert "<img src=x" not in page and "« &lt;img src=x onerror=alert(1)&gt; »" in page


def test_offer_without_its_own_hours_shows_its_sites_hours(client):
    one = _get(client, "/offre/test--offre-1")
    hours = one.split("<dt>Horaires</dt>")[1].split("</dd>")[0]
    assert "Horaires non renseignés" not in hours
    assert "du lundi au vendredi de 8h30 à 12h" in hours
    assert "Horaires du lieu « Maison des Solidarités de Test » (l'offre n'a pas d'horaires propres)" in hours
    several = _get(client, "/offre/test--o-fs").split("<dt>Horaires</dt>")[1].split("</dd>")[0]
    assert "Horaires des lieux d'accueil" in several
    assert "<li>Bus : arrêt de la place : le jeudi de 9h à 12h</li>" in several
    remote = _get(client, "/offre/test--o-remote").split("<dt>Horaires</dt>")[1].split("</dd>")[0]
    assert "Horaires non renseignés" in remote  # no site, no hours: said so


def test_offer_fiche_says_how_to_mobilise_it_in_french(client):
    page = _get(client, "/offre/test--o-fs")
    section = page.split("<h2>Comment solliciter cette offre</h2>")[1].split("<h2>")[0]
    assert "<dt>Qui peut solliciter l'offre</dt><dd>Usagers, Professionnels</dd>" in section
    assert "<dt>Comment la solliciter</dt><dd>Se présenter, Téléphoner</dd>" in section
    assert 'href="https://rdv.example/fs"' in section and "Sans rendez-vous le matin" in section
    assert "Apporter ses papiers &lt;script&gt;" in section and XSS not in page
    assert "se-presenter" not in section and "professionnels<" not in section
    # Nothing filled in: said, with the structure to call.
    bare = _get(client, "/offre/test--offre-1").split("<h2>Comment solliciter cette offre</h2>")[1].split("<h2>")[0]
    assert "ne sont pas renseignées : contactez la structure" in bare


def test_site_fiche_lists_how_to_mobilise_each_open_offer(client):
    page = _get(client, "/site/test--fs-arlenc")
    section = page.split("<h2>Comment solliciter ces offres</h2>")[1].split('<section aria-labelledby="proches-titre">')[0]
    assert "<h3>Aide aux démarches administratives</h3>" in section and "Se présenter, Téléphoner" in section


def test_verification_date_and_stale_warning_follow_the_freshness_limit(client, monkeypatch):
    monkeypatch.setenv("MAPAPP_STALE_MONTHS", "120")
    fresh = _get(client, "/site/test--site-1")
    assert "<dd>Informations vérifiées le 15 janvier 2026</dd>" in fresh and "À confirmer" not in fresh
    monkeypatch.setenv("MAPAPP_STALE_MONTHS", "1")
    stale = _get(client, "/site/test--site-1")
    assert "Informations vérifiées le 15 janvier 2026 (à confirmer)" in stale
    assert "n'ont pas été vérifiées depuis plus de 1 mois" in stale
    never = _get(client, "/offre/test--offre-1")  # no date_verification
    assert "<dd>Jamais vérifiées (à confirmer)</dd>" in never and "personne n'a encore confirmé" in never


def test_nearby_alternatives_share_a_theme_and_give_a_straight_line_distance(client):
    from mapapp.network.build import haversine_m

    page = _get(client, "/site/test--num-1")
    section = page.split('<section aria-labelledby="proches-titre">')[1].split("</section>")[0]
    assert "à vol d'oiseau" in section
    rows = re.findall(r'<tr><th scope="row"><a href="/site/([^"]+)">', section)
    assert rows == ["test--num-2"]  # same thématique, open; the closed site and other thématiques are not listed
    metres = float(haversine_m(2.0401, 45.0301, 2.0402, 45.0302))
    assert f"{round(metres / 10) * 10:.0f}\u00a0m</td>" in section
    assert "<td>Acquérir un équipement</td>" in section  # the shared thématique, in French
    # The offer's own sites are not « other places »; none else offers this thématique.
    offer = _get(client, "/offre/test--o-num").split('<section aria-labelledby="proches-titre">')[1]
    assert "Aucun autre lieu ouvert ne propose" in offer

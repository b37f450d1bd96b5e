"""The offer and site fiches on the demo catalog (Flask test client): the content bugs seen there stay fixed."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from mapapp.catalog import vocab
from mapapp.catalog.db import make_engine, make_sessionmaker
from mapapp.catalog.models import Offer
from mapapp.config import load_settings
from mapapp.web import create_app


@pytest.fixture(scope="module")
def demo(demo_env):
    settings = load_settings(demo_env[0])
    engine = make_engine(settings.database_url)
    with make_sessionmaker(engine)() as s:
        offers = [(o.id, o.frais, o.horaires_accueil, [x.horaires_accueil for x in o.sites])
                  for o in s.scalars(select(Offer).order_by(Offer.id))]
    engine.dispose()
    return create_app(settings).test_client(), offers


def _dd(page: str, term: str) -> str:
    return re.search(rf"<dt>{term}</dt>\s*<dd>(.*?)</dd>", page, re.S).group(1)


def test_every_demo_offer_shows_its_frais_as_one_french_label(demo):
    client, offers = demo
    with_frais = [o for o in offers if o[1]]
    assert len(with_frais) > 100, "the demo has many offers with frais"
    for offer_id, frais, *_ in with_frais[::10]:
        page = html.unescape(client.get(f"/offre/{offer_id}").get_data(as_text=True))
        assert _dd(page, "Frais").split("<br>")[0] == vocab.FRAIS[frais], offer_id


def test_demo_offers_without_hours_show_their_sites_hours(demo):
    client, offers = demo
    cases = [o for o in offers if not o[2] and any(o[3])]
    assert cases, "the demo has offers whose only hours are their sites'"
    for offer_id, *_ in cases[:10]:
        page = client.get(f"/offre/{offer_id}").get_data(as_text=True)
        hours = page.split("<dt>Horaires</dt>")[1].split("</dd>")[0]
        assert "Horaires non renseignés" not in hours and "Horaires d" in hours, offer_id
        assert "Autres lieux proches" in page and "Comment solliciter cette offre" in page

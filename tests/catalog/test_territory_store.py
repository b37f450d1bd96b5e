from sqlalchemy import func, select

from mapapp.catalog.models import Commune, GridUnit, PopulationPoint, Territory
from mapapp.catalog.territory_store import read_communes, read_grids, read_population_points, store_territory
from tests.territory.bundles import tiny_bundle


def test_store_and_read_back(session):
    bundle = tiny_bundle()
    report = store_territory(session, bundle)
    session.commit()
    assert report.changed and report.communes_changed == 3
    assert session.scalar(select(Territory)).name == "Territoire de test"
    communes = read_communes(session)
    assert list(communes["code"]) == ["96001", "96002", "96501"]
    assert communes.geometry.iloc[0].equals(bundle.communes.geometry.iloc[0])
    assert list(read_communes(session, include_buffer=False)["code"]) == ["96001", "96002"]
    grids = read_grids(session)
    assert len(grids) == 4 and set(grids["grid"]) == {"epci", "territoire_action_sociale"}
    points = read_population_points(session)
    assert points["population"].sum() == bundle.population_points["population"].sum()


def test_storing_twice_changes_nothing(session):
    store_territory(session, tiny_bundle())
    session.commit()
    ids_before = session.scalars(select(PopulationPoint.id).order_by(PopulationPoint.id)).all()
    report = store_territory(session, tiny_bundle())
    session.commit()
    assert not report.changed
    assert session.scalars(select(PopulationPoint.id).order_by(PopulationPoint.id)).all() == ids_before


def test_changes_are_applied(session):
    store_territory(session, tiny_bundle())
    session.commit()
    bundle = tiny_bundle(population_a=1500)
    bundle.communes = bundle.communes[bundle.communes.code != "96501"]
    bundle.grids = bundle.grids[bundle.grids.grid == "epci"]
    report = store_territory(session, bundle)
    session.commit()
    assert report.communes_changed == 1 and report.communes_removed == 1 and report.points_replaced
    assert session.get(Commune, "96001").population == 1500
    assert session.get(Commune, "96501") is None
    assert session.scalar(select(func.count()).select_from(GridUnit)) == 1

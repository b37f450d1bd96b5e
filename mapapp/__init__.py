"""mapapp: the offre d'insertion of a French département, on a map, with travel times.

The package follows the pipeline of the product:

- :mod:`mapapp.territory` — communes, grids (EPCI, cantons, territoires d'action
  sociale...) and population points;
- :mod:`mapapp.network` — OpenStreetMap road files to routable graphs per mode;
- :mod:`mapapp.access` — the pure accessibility engine (arrays in, arrays out);
- :mod:`mapapp.catalog` — structures, sites, offers and mobility solutions on the
  data·inclusion model, stored through SQLAlchemy;
- :mod:`mapapp.io` — importers and exporters;
- :mod:`mapapp.demo` — the generator of the fictional demo département;
- :mod:`mapapp.web` — the Flask application.
"""

__version__ = "0.1.0"

"""The catalog and the territory, as SQLAlchemy 2 models.

Vocabulary fields are checked when they are assigned (``@validates``), so an
invalid record cannot even be built: the error names the field and the value.
Cross-field rules (a temporarily closed site needs its dates, an on-site offer
needs a site...) are checked by :meth:`Record.check`, called before every
flush (see :mod:`mapapp.catalog.db`).

Geometries are stored as WKB in plain binary columns so the same schema runs on
SQLite (no SpatiaLite needed) and PostgreSQL; the bounding box columns allow
cheap spatial pre-filtering in SQL.

Users and roles (partners attached to structures, moderators scoped to
territories), the moderation queue and the change history live in
:mod:`mapapp.catalog.models_users` (same metadata, imported at the end of this
module); :class:`Structure` is the unit a partner account is attached to.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship, validates

from mapapp.catalog import vocab
from mapapp.catalog.hours import validate_hours


class Base(DeclarativeBase):
    pass


def check_capacity(field: str, value):
    """A capacity: None (unknown) or a whole number ≥ 0."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise vocab.RecordError(field, f"« {value} » n'est pas un nombre entier") from None
    if not number.is_integer() or number < 0:
        raise vocab.RecordError(field, f"« {value} » : un nombre entier positif ou nul est attendu")
    return int(number)


def _today() -> dt.date:
    return dt.date.today()


class Record:
    """Mixin for catalog records: life-cycle dates and cross-field checks."""

    date_maj: Mapped[dt.date] = mapped_column(Date, default=_today, nullable=False)
    #: When a person last confirmed the record is still true (distinct from date_maj).
    date_verification: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: Optimistic lock: every UPDATE is ``... WHERE version = <the version read>`` and bumps it, so
    #: two writers of the same record can never silently overwrite each other (StaleDataError).
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}

    def check(self) -> None:
        """Cross-field rules; raise :class:`mapapp.catalog.vocab.VocabularyError`."""


# --------------------------------------------------------------------------- territory


class Territory(Base):
    """The territory this instance maps (one row)."""

    __tablename__ = "territory"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    departement: Mapped[str] = mapped_column(String(3))
    fictional: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    sources: Mapped[dict] = mapped_column(JSON, default=dict)
    osm_path: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())
    #: Method settings (:class:`mapapp.method.MethodSettings` as JSON); NULL means the defaults.
    method: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class AccessSettingsVersion(Base):
    """One imported version of the territory's accessibility settings (:mod:`mapapp.settings_file`).

    The current settings are the latest version (highest ``id``); none means
    :func:`mapapp.access.settings.default_settings`. Kept when the territory is
    reloaded, like the moderators' scopes. See :mod:`mapapp.catalog.settings_store`.
    """

    __tablename__ = "access_settings_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The settings file as imported (its comments included).
    text: Mapped[str] = mapped_column(Text)
    #: :meth:`mapapp.access.settings.AccessSettings.digest` of the file: which settings produced a result.
    digest: Mapped[str] = mapped_column(String(64), index=True)
    #: Who imported it, as text (kept if the account is deleted; « ligne de commande (…) » for the CLI).
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    comment: Mapped[str] = mapped_column(Text, default="")


class Commune(Base):
    __tablename__ = "commune"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    nom: Mapped[str] = mapped_column(String(200))
    population: Mapped[int] = mapped_column(Integer)
    departement: Mapped[str] = mapped_column(String(3))
    #: Outside the département, kept because people cross borders.
    is_buffer: Mapped[bool] = mapped_column(Boolean, default=False)
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    #: A point inside the commune (its seat when known): the "town hall" origin.
    point_lon: Mapped[float] = mapped_column(Float)
    point_lat: Mapped[float] = mapped_column(Float)

    @validates("code")
    def _v_code(self, _key, value):
        return vocab.check_insee("commune.code", value, required=True)


class GridUnit(Base):
    """One unit of a grid that groups communes (an EPCI, a canton, a territoire d'action sociale...)."""

    __tablename__ = "grid_unit"
    __table_args__ = (UniqueConstraint("grid", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid: Mapped[str] = mapped_column(String(50), index=True)
    code: Mapped[str] = mapped_column(String(50))
    nom: Mapped[str] = mapped_column(String(200))
    communes: Mapped[list[Commune]] = relationship(secondary=lambda: grid_member, order_by=Commune.code)


grid_member = Table(
    "grid_member",
    Base.metadata,
    Column("grid_unit_id", ForeignKey("grid_unit.id", ondelete="CASCADE"), primary_key=True),
    Column("commune_code", ForeignKey("commune.code", ondelete="CASCADE"), primary_key=True),
)


class PopulationPoint(Base):
    """A population-weighted origin (an INSEE square, or a commune point).

    A square keeps its identifier and polygon: ``mapapp compute`` spreads its
    inhabitants over the square's populated roads (:mod:`mapapp.territory.dasymetric`);
    ``lon``/``lat`` is the fallback point (centre, or on land for a coastal square).
    """

    __tablename__ = "population_point"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    population: Mapped[float] = mapped_column(Float)
    commune_code: Mapped[str] = mapped_column(ForeignKey("commune.code", ondelete="CASCADE"), index=True)
    square_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    square_wkb: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


# --------------------------------------------------------------------------- catalog


class Structure(Record, Base):
    """An organisation (data·inclusion *structure*): the Département, a Mission locale, a CCAS..."""

    __tablename__ = "structure"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    nom: Mapped[str] = mapped_column(String(300))
    siret: Mapped[str | None] = mapped_column(String(14), nullable=True, index=True)
    reseaux_porteurs: Mapped[list] = mapped_column(JSON, default=list)
    telephone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    courriel: Mapped[str | None] = mapped_column(String(200), nullable=True)
    site_web: Mapped[str | None] = mapped_column(String(500), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    adresse: Mapped[str | None] = mapped_column(String(300), nullable=True)
    commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    # Professional-only fields (:mod:`mapapp.catalog.professional`): never shown to the public,
    # never in the API nor the open-data exports.
    #: Direct line for référents and travailleurs sociaux (not the public reception number).
    contact_pro_telephone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    contact_pro_courriel: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: Internal note on orienting people to this structure (whom to call, what to send first...).
    note_orientation: Mapped[str | None] = mapped_column(Text, nullable=True)

    sites: Mapped[list[Site]] = relationship(back_populates="structure")
    offers: Mapped[list[Offer]] = relationship(back_populates="structure")

    @validates("siret")
    def _v_siret(self, _key, value):
        if value and not vocab.SIRET_RE.match(value):
            raise vocab.VocabularyError("structure.siret", value)
        return value or None

    @validates("reseaux_porteurs")
    def _v_reseaux(self, _key, value):
        return vocab.check_values("structure.reseaux_porteurs", value, vocab.RESEAUX_PORTEURS)

    @validates("commune_code")
    def _v_commune(self, _key, value):
        return vocab.check_insee("structure.commune_code", value)

    @validates("contact_pro_courriel")
    def _v_pro_courriel(self, _key, value):
        return vocab.check_email("structure.contact_pro_courriel", value)


offer_site = Table(
    "offer_site",
    Base.metadata,
    Column("offer_id", ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True),
    Column("site_id", ForeignKey("site.id", ondelete="CASCADE"), primary_key=True),
)


class Site(Record, Base):
    """A place where people are received (data·inclusion *lieu*)."""

    __tablename__ = "site"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    structure_id: Mapped[str] = mapped_column(ForeignKey("structure.id"), index=True)
    nom: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    adresse: Mapped[str | None] = mapped_column(String(300), nullable=True)
    code_postal: Mapped[str | None] = mapped_column(String(5), nullable=True)
    commune_code: Mapped[str] = mapped_column(String(5), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    horaires_accueil: Mapped[str | None] = mapped_column(String(500), nullable=True)
    status: Mapped[str] = mapped_column(String(30), default="active", index=True)
    closed_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closed_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    #: For itinerant stops: the name of the bus route they belong to.
    itinerant_route: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: How many people the site can take (places, files active...), optional: the supply of the 2SFCA
    #: score (:func:`mapapp.access.needs.two_step_fca`). Unknown (None) is not zero.
    capacite: Mapped[int | None] = mapped_column(Integer, nullable=True)

    structure: Mapped[Structure] = relationship(back_populates="sites")
    offers: Mapped[list[Offer]] = relationship(secondary=offer_site, back_populates="sites")

    @validates("kind")
    def _v_kind(self, _key, value):
        return vocab.check_value("site.kind", value, vocab.SITE_KINDS, required=True)

    @validates("status")
    def _v_status(self, _key, value):
        return vocab.check_value("site.status", value, vocab.STATUSES, required=True)

    @validates("commune_code")
    def _v_commune(self, _key, value):
        return vocab.check_insee("site.commune_code", value, required=True)

    @validates("horaires_accueil")
    def _v_hours(self, _key, value):
        return validate_hours("site.horaires_accueil", value)

    @validates("capacite")
    def _v_capacite(self, _key, value):
        return check_capacity("site.capacite", value)

    @validates("lon", "lat")
    def _v_coord(self, key, value):
        limit = 180 if key == "lon" else 90
        if value is None or not (-limit <= float(value) <= limit):
            raise vocab.VocabularyError(f"site.{key}", value)
        return float(value)

    def status_on(self, day: dt.date) -> str:
        """The status in force on ``day``: a temporary closure counts only between its dates.

        A site marked ``temporarily_closed`` whose closure has ended is open again
        (``active``); an open site whose closure dates cover ``day`` is closed that day.
        """
        in_closure = bool(self.closed_from and self.closed_until and self.closed_from <= day <= self.closed_until)
        if self.status == "temporarily_closed" and self.closed_until and day > self.closed_until:
            return "active"
        if self.status in ("active", "experimental") and in_closure:
            return "temporarily_closed"
        return self.status

    def check(self) -> None:
        if self.status == "temporarily_closed" and not (self.closed_from and self.closed_until):
            raise vocab.RecordError("site.closed_from", "manquante : un site fermé temporairement doit avoir ses dates de fermeture")
        if self.closed_from and self.closed_until and self.closed_until < self.closed_from:
            raise vocab.RecordError("site.closed_until", f"{self.closed_until} est avant closed_from ({self.closed_from})")
        if self.kind == "france_services_itinerant_stop" and not self.itinerant_route:
            raise vocab.RecordError("site.itinerant_route", "manquante pour un arrêt de France Services itinérant")


class Offer(Record, Base):
    """An offer of help (data·inclusion *service*) with the département's extensions."""

    __tablename__ = "offer"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    structure_id: Mapped[str] = mapped_column(ForeignKey("structure.id"), index=True)
    nom: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    thematiques: Mapped[list] = mapped_column(JSON, default=list)
    publics: Mapped[list] = mapped_column(JSON, default=list)
    publics_precisions: Mapped[str | None] = mapped_column(Text, nullable=True)
    modes_accueil: Mapped[list] = mapped_column(JSON, default=list)
    frais: Mapped[str | None] = mapped_column(String(20), nullable=True)
    frais_precisions: Mapped[str | None] = mapped_column(Text, nullable=True)
    conditions_acces: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: INSEE codes (communes, EPCI, départements) where the offer is open; None = no restriction.
    zone_eligibilite: Mapped[list | None] = mapped_column(JSON, nullable=True)
    telephone: Mapped[str | None] = mapped_column(String(50), nullable=True)
    courriel: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_nom_prenom: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lien_source: Mapped[str | None] = mapped_column(String(500), nullable=True)
    lien_mobilisation: Mapped[str | None] = mapped_column(String(500), nullable=True)
    modes_mobilisation: Mapped[list] = mapped_column(JSON, default=list)
    mobilisable_par: Mapped[list] = mapped_column(JSON, default=list)
    mobilisation_precisions: Mapped[str | None] = mapped_column(Text, nullable=True)
    horaires_accueil: Mapped[str | None] = mapped_column(String(500), nullable=True)
    delivery_mode: Mapped[str] = mapped_column(String(30), default="on_site")
    pilote: Mapped[str | None] = mapped_column(String(300), nullable=True)
    financeurs: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(30), default="active", index=True)
    #: How many people the offer can take (places per year, files...), optional: the 2SFCA supply.
    capacite: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Professional-only note on orienting people to this offer (:mod:`mapapp.catalog.professional`).
    note_orientation: Mapped[str | None] = mapped_column(Text, nullable=True)

    structure: Mapped[Structure] = relationship(back_populates="offers")
    sites: Mapped[list[Site]] = relationship(secondary=offer_site, back_populates="offers", order_by=Site.id)

    @validates("nom")
    def _v_nom(self, _key, value):
        if not value or not (3 <= len(value) <= 150):
            raise vocab.RecordError("offer.nom", f"« {value} » doit compter de 3 à 150 caractères")
        return value

    @validates("description")
    def _v_description(self, _key, value):
        if not value or len(value) < 5:
            raise vocab.RecordError("offer.description", "au moins 5 caractères")
        return value

    @validates("type")
    def _v_type(self, _key, value):
        return vocab.check_value("offer.type", value, vocab.TYPES_SERVICE)

    @validates("thematiques")
    def _v_thematiques(self, _key, value):
        return vocab.check_values("offer.thematiques", value, vocab.THEMATIQUES)

    @validates("publics")
    def _v_publics(self, _key, value):
        return vocab.check_publics(value, field="offer.publics")

    @validates("modes_accueil")
    def _v_modes(self, _key, value):
        return vocab.check_values("offer.modes_accueil", value, vocab.MODES_ACCUEIL)

    @validates("frais")
    def _v_frais(self, _key, value):
        return vocab.check_value("offer.frais", vocab.single_value("offer.frais", value), vocab.FRAIS)

    @validates("modes_mobilisation")
    def _v_modes_mobilisation(self, _key, value):
        return vocab.check_values("offer.modes_mobilisation", value, vocab.MODES_MOBILISATION)

    @validates("mobilisable_par")
    def _v_mobilisable_par(self, _key, value):
        return vocab.check_values("offer.mobilisable_par", value, vocab.PERSONNES_MOBILISATRICES)

    @validates("zone_eligibilite")
    def _v_zone(self, _key, value):
        return vocab.check_eligibility(value)

    @validates("horaires_accueil")
    def _v_hours(self, _key, value):
        return validate_hours("offer.horaires_accueil", value)

    @validates("capacite")
    def _v_capacite(self, _key, value):
        return check_capacity("offer.capacite", value)

    @validates("delivery_mode")
    def _v_delivery(self, _key, value):
        return vocab.check_value("offer.delivery_mode", value, vocab.DELIVERY_MODES, required=True)

    @validates("status")
    def _v_status(self, _key, value):
        return vocab.check_value("offer.status", value, vocab.STATUSES, required=True)

    @property
    def is_physical(self) -> bool:
        """True when the offer is a physical presence (on site or itinerant)."""
        return self.delivery_mode in vocab.PHYSICAL_DELIVERY_MODES

    def check(self) -> None:
        if self.is_physical and not self.sites:
            raise vocab.RecordError("offer.site_ids", f"vide pour une offre « {self.delivery_mode} » : il faut au moins un lieu")
        if not self.is_physical and self.sites:
            raise vocab.RecordError("offer.site_ids", f"une offre « {self.delivery_mode} » n'a pas de lieu d'accueil")


class MobilitySolution(Record, Base):
    """A mobility solution: a point (garage solidaire...), an area (transport à la demande) or an aid."""

    __tablename__ = "mobility_solution"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    structure_id: Mapped[str] = mapped_column(ForeignKey("structure.id"), index=True)
    nom: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    commune_code: Mapped[str | None] = mapped_column(String(5), nullable=True)
    served_communes: Mapped[list] = mapped_column(JSON, default=list)
    publics: Mapped[list] = mapped_column(JSON, default=list)
    conditions: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(30), default="active")

    structure: Mapped[Structure] = relationship()

    @validates("kind")
    def _v_kind(self, _key, value):
        return vocab.check_value("mobility.kind", value, vocab.MOBILITY_KINDS, required=True)

    @validates("category")
    def _v_category(self, _key, value):
        return vocab.check_value("mobility.category", value, vocab.MOBILITY_CATEGORIES, required=True)

    @validates("status")
    def _v_status(self, _key, value):
        return vocab.check_value("mobility.status", value, vocab.STATUSES, required=True)

    @validates("publics")
    def _v_publics(self, _key, value):
        return vocab.check_publics(value, field="mobility.publics")

    @validates("commune_code")
    def _v_commune(self, _key, value):
        return vocab.check_insee("mobility.commune_code", value)

    @validates("served_communes")
    def _v_served(self, _key, value):
        return [vocab.check_insee("mobility.served_communes", c, required=True) for c in value or []]

    def check(self) -> None:
        if self.kind == "point" and (self.lon is None or self.lat is None or not self.commune_code):
            raise vocab.RecordError("mobility.lon/lat", "manquants pour une solution localisée (kind=point)")
        if self.kind == "area" and not self.served_communes:
            raise vocab.RecordError("mobility.served_communes", "vide pour une zone desservie (kind=area)")
        if self.kind == "aid" and self.lon is not None:
            raise vocab.RecordError("mobility.lon", "une aide n'est pas localisée (kind=aid)")


# --------------------------------------------------------------------------- observatoire


class NeedSeries(Base):
    """One imported indicator of need for one year (« bénéficiaires du RSA » 2025), by commune or by square.

    Its counts (:class:`NeedCount`) went through statistical secrecy on import
    (:mod:`mapapp.territory.needs`): a suppressed count is not stored.
    """

    __tablename__ = "need_series"
    __table_args__ = (UniqueConstraint("indicator", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(50), index=True)
    label: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    #: ``commune`` or ``carreau``.
    zone_kind: Mapped[str] = mapped_column(String(10))
    #: Counts below this were suppressed (primary secrecy).
    secrecy_threshold: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300), default="")
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, server_default=func.now())

    counts: Mapped[list[NeedCount]] = relationship(back_populates="series", cascade="all, delete-orphan",
                                                   order_by=lambda: NeedCount.zone)


class NeedCount(Base):
    """The count of one zone; ``count`` is NULL when ``secret`` says it is suppressed."""

    __tablename__ = "need_count"
    __table_args__ = (UniqueConstraint("series_id", "zone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("need_series.id", ondelete="CASCADE"), index=True)
    zone: Mapped[str] = mapped_column(String(100))
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: None (published), ``primaire`` or ``secondaire``.
    secret: Mapped[str | None] = mapped_column(String(12), nullable=True)

    series: Mapped[NeedSeries] = relationship(back_populates="counts")


class ReferenceValue(Base):
    """A reference figure to compare with (« France métropolitaine : 5 % », source, year)."""

    __tablename__ = "reference_value"
    __table_args__ = (UniqueConstraint("indicator", "zone", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator: Mapped[str] = mapped_column(String(100), index=True)
    #: ``france``, ``france_metro``, ``region:<code>`` or ``departement:<code>``.
    zone: Mapped[str] = mapped_column(String(30))
    zone_label: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column(Float)
    #: ``%`` (value in percent), ``min`` or empty (a plain number).
    unit: Mapped[str] = mapped_column(String(10), default="")
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300))


# Register the contribution tables (users, revisions, history) on the same metadata.
from mapapp.catalog import models_users  # noqa: E402,F401  (import for its side effect)
from mapapp.catalog import models_addresses  # noqa: E402,F401  (import for its side effect)
from mapapp.catalog import models_scenarios  # noqa: E402,F401  (planners' scenarios, same metadata)
from mapapp.catalog import models_identity  # noqa: E402,F401  (the Département's identity, reminders sent)


# --------------------------------------------------------------------------- string lengths
# SQLite ignores VARCHAR lengths; PostgreSQL refuses a longer value (DataError at flush, which
# would crash an import or a form instead of naming the field). Every bounded string attribute is
# therefore checked when assigned, like the vocabularies: the error names the field.


def _length_checker(field: str, length: int):
    def check(_target, value, _oldvalue, _initiator):
        if isinstance(value, str) and len(value) > length:
            raise vocab.RecordError(field, f"trop long ({len(value)} caractères, au plus {length})")
        return value

    return check


def _install_length_checks() -> None:
    from sqlalchemy import event

    for mapper in Base.registry.mappers:
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            length = getattr(column.type, "length", None)
            if isinstance(column.type, String) and length and column.table is mapper.local_table:
                event.listen(getattr(mapper.class_, prop.key), "set",
                             _length_checker(f"{column.table.name}.{column.name}", length))


_install_length_checks()

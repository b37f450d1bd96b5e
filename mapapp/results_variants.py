"""Which variant of the results a page, an API answer, a report or an export reads: a public, with or without
the schedule rule.

The variants are those ``mapapp compute`` wrote (:meth:`mapapp.results.ResultStore.variant_keys`),
described by their manifests, so a page offers only what exists. Request
parameters (pages and API alike):

- ``public``: a public's key in the settings (``minima_sociaux``) or the
  data·inclusion public it stands for (``beneficiaires-des-minimas-sociaux``);
  absent or ``tous``: everyone;
- ``horaires``: ``tous`` (every open site, the default) or ``ouverts`` (only
  sites open at least the settings' weekly hours: the schedule rule);
- ``demi_journee``: a weekday half-day computed on request (``mardi-matin``,
  the settings' ``demi_journees``): everyone, only sites open that half-day.

The CLI's ``mapapp report`` and ``mapapp export`` take the same values as
``--public`` and ``--horaires``. No silent fallback: a variant that was not
computed is a :class:`VariantError` (404 on the web) with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapapp.access.settings import EVERYONE_KEY, half_day_label
from mapapp.access.variants import SCHEDULE_SUFFIX, hours_fr
from mapapp.results import ResultStore

class VariantError(ValueError):
    """A variant that does not exist or was not computed: French message, HTTP status for the web."""

    def __init__(self, message: str, status: int = 404):
        super().__init__(message)
        self.message = message
        self.status = status


HOURS_VALUES = {"tous": "Tous les lieux ouverts", "ouverts": "Lieux ouverts assez longtemps"}


@dataclass(frozen=True)
class VariantInfo:
    """One computed variant, as the forms show it."""

    key: str
    public: str  # the public's key
    public_label: str
    publics: tuple[str, ...]  # data·inclusion publics of the group (empty: everyone)
    schedule: bool
    min_weekly_hours: float | None
    #: Under the schedule rule: offer-site pairs without known hours, counted as open (the rule « compter »).
    unknown_hours: int = 0
    #: The rule for them: ``count`` or ``exclude`` (:class:`mapapp.access.settings.ScheduleRule`).
    unknown_rule: str = "count"
    #: Weekday half-day of an opt-in half-day variant (``mardi-matin``), else None.
    half_day: str | None = None

    @property
    def half_day_label(self) -> str | None:
        """« le mardi matin » for a half-day variant, else None."""
        return half_day_label(self.half_day) if self.half_day else None

    @property
    def hours_label(self) -> str:
        if self.half_day:
            return f"lieux ouverts {half_day_label(self.half_day)}"
        if not self.schedule:
            return "tous les lieux ouverts"
        return f"lieux ouverts au moins {hours_fr(self.min_weekly_hours or 0)} par semaine"


def _info(key: str, store: ResultStore) -> VariantInfo | None:
    modes = store.modes()
    if not modes:
        return None
    spec = store.manifest(modes[0]).variant or {}
    public = spec.get("public") or {"key": EVERYONE_KEY, "label": "Tous publics", "publics": None}
    schedule = spec.get("schedule")
    return VariantInfo(key or EVERYONE_KEY, public["key"], public["label"], tuple(public.get("publics") or ()),
                       schedule is not None, None if schedule is None else float(schedule["min_weekly_hours"]),
                       int(spec.get("unknown_hours", 0)) if schedule is not None else 0,
                       (schedule or {}).get("unknown_hours", "count"), spec.get("half_day"))


def describe_fr(info: VariantInfo | None) -> str | None:
    """« Bénéficiaires des minima sociaux, lieux ouverts au moins 3 h par semaine »; None for the headline."""
    if info is None or (info.public == EVERYONE_KEY and not info.schedule and not info.half_day):
        return None
    return f"{info.public_label}, {info.hours_label}"


def store_info(store: ResultStore) -> VariantInfo | None:
    """The description of the variant a store holds (None when it holds nothing)."""
    return _info(store.variant_key, store)


def available(root: ResultStore) -> list[VariantInfo]:
    """The headline and every computed variant, headline first."""
    out = [i for i in [_info("", root)] if i is not None]
    out += [i for k in root.variant_keys() if (i := _info(k, root.variant(k))) is not None]
    return out


def publics(infos: list[VariantInfo]) -> list[VariantInfo]:
    """One entry per public (its variant without the schedule rule), in the order computed."""
    seen, out = set(), []
    for i in infos:
        if i.public not in seen and not i.schedule and not i.half_day:
            seen.add(i.public)
            out.append(i)
    return out


def schedule_rule(infos: list[VariantInfo]) -> float | None:
    """The weekly hours of the schedule rule the variants were computed with (None: no rule)."""
    return next((i.min_weekly_hours for i in infos if i.schedule), None)


def half_days(infos: list[VariantInfo]) -> list[VariantInfo]:
    """The half-day variants computed (opt-in ``demi_journees``), in the order of the settings."""
    return [i for i in infos if i.half_day]


def choose(root: ResultStore, public: str | None, hours: str | None, *, strict: bool = False,
           infos: list[VariantInfo] | None = None, half_day: str | None = None
           ) -> tuple[ResultStore, VariantInfo | None]:
    """The store of the requested variant and its description (None when nothing is computed yet).

    With ``strict`` (the API), an empty value is an error rather than the default. ``infos``:
    :func:`available` of ``root`` when the caller has it already (read once per request).
    """
    if strict:
        for name, value in (("public", public), ("horaires", hours)):
            if value == "":
                raise VariantError(f"« {name} » vide", 400)
    infos = available(root) if infos is None else infos
    if half_day:
        found = next((i for i in infos if i.half_day == half_day), None)
        if found is None:
            computed = ", ".join(i.half_day for i in half_days(infos)) or "aucune"
            raise VariantError(f"demi-journée « {half_day} » non calculée (calculées : {computed} ; réglage "
                               "« demi_journees » de la section [horaires])", 404)
        if (public or EVERYONE_KEY) != EVERYONE_KEY or hours == "ouverts":
            raise VariantError("une demi-journée se calcule pour tous les publics et tous les lieux ouverts ce "
                               "jour-là : retirez « public » et « horaires »", 400)
        return root.variant(found.key), found
    if hours not in (None, "", *HOURS_VALUES):
        raise VariantError(f"horaires « {hours} » inconnu : " + ", ".join(HOURS_VALUES), 400)
    schedule = hours == "ouverts"
    public = public or EVERYONE_KEY
    groups = {i.public: i for i in infos}
    if public not in groups:  # a data·inclusion public stands for the group made of it alone
        match = [i.public for i in infos if i.publics == (public,)]
        if not match:
            if not infos:
                return root, None
            raise VariantError(f"public « {public} » non calculé : " + ", ".join(sorted(groups)), 404)
        public = match[0]
    key = public + (SCHEDULE_SUFFIX if schedule else "")
    info = next((i for i in infos if i.key == key), None)
    if info is None:
        raise VariantError("la règle des horaires n'a pas été calculée (réglage « heures par semaine » à 0 ?) : "
                          "relancez « mapapp compute »" if schedule else f"public « {public} » non calculé", 404)
    return root.variant(key), info


def params(info: VariantInfo | None) -> dict:
    """URL parameters that select ``info`` again (empty for the headline)."""
    if info is None:
        return {}
    out = {}
    if info.public != EVERYONE_KEY:
        out["public"] = info.public
    if info.schedule:
        out["horaires"] = "ouverts"
    if info.half_day:
        out["demi_journee"] = info.half_day
    return out

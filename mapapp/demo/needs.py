"""Fictional aggregated need counts of the demo communes (issue 16 §3), so the observatoire has something to show.

One CSV per indicator (:data:`DEMO_NEEDS`), ``commune;effectif``, the format of
``mapapp territory besoins``: a rate drawn per commune (seeded) times its
population, with more need in towns than in villages. Small communes get counts
below the secrecy threshold, so the secrecy rule shows on the pages. Like the
rest of the demo, nothing here describes real people.
"""

from __future__ import annotations

from .geography import Geography, rng_for

#: (indicator key, French label, file, year, (low, high) rate of the population, rng key)
DEMO_NEEDS = (
    ("rsa", "Bénéficiaires du RSA", "besoins-rsa.csv", 2025, (0.015, 0.045), 40),
    ("demandeurs_emploi", "Demandeurs d'emploi", "besoins-demandeurs-emploi.csv", 2025, (0.04, 0.08), 41),
)
#: Rate multiplier by commune kind: insertion needs concentrate in towns.
KIND_FACTOR = {"prefecture": 1.6, "town": 1.3, "bourg": 1.0, "village": 0.8}


def need_rows(geo: Geography, seed: int, low: float, high: float, key: int) -> list[tuple[str, int]]:
    """``(commune, count)`` for every commune of the département (buffer excluded), by code."""
    rng = rng_for(seed, key)
    rows = []
    for commune in sorted(geo.inner, key=lambda c: c.code):
        rate = rng.uniform(low, high) * KIND_FACTOR.get(commune.kind, 1.0)
        rows.append((commune.code, int(round(commune.population * rate))))
    return rows

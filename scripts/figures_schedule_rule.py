"""The demo's headline figures with and without the schedule rule, for everyone and for RSA beneficiaries.

Usage (after ``mapapp compute`` in the data folder)::

    MAPAPP_DATA_DIR=/tmp/i11demo PYTHONPATH=. .venv/bin/python scripts/figures_schedule_rule.py [--mode car]

Reads the stored results only (no routing): per variant (``tous``,
``tous+horaires``, ``minima_sociaux``, ``minima_sociaux+horaires``) and theme,
the share of inhabitants beyond the theme's main threshold, the zones blanches,
the mean reachable opening hours per week and the share below H (whole territory).
"""

from __future__ import annotations

import argparse

from mapapp.config import load_settings
from mapapp.results import ResultStore

THEMES = ("accueil_departement", "difficultes_administratives_ou_juridiques")
VARIANTS = ("tous", "tous+horaires", "minima_sociaux", "minima_sociaux+horaires")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", default="car")
    args = parser.parse_args()
    root = ResultStore(load_settings().data_dir / "results")
    print("variante;thème;seuil (min);part au-delà (%);zones blanches;heures accessibles/sem. (moy.);"
          "part < H (%);H")
    for key in VARIANTS:
        store = root if key == "tous" else root.variant(key)
        terr = store.table(args.mode, "territories")
        whole = terr[terr["grid"] == "all"].set_index("theme")
        for theme in THEMES:
            r = whole.loc[theme]
            hours = r.get("weekly_hours_reachable", float("nan"))
            below = r.get("share_below_min_hours", float("nan"))
            h = r.get("min_weekly_hours", float("nan"))
            print(f"{key};{theme};{r['main_threshold_min']:g};{100 * r['share_beyond_main']:.1f};"
                  f"{int(r['n_zones_blanches'])};{hours:.1f};{100 * below:.1f};{h:g}")


if __name__ == "__main__":
    main()

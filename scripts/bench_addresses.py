"""Benchmark of the offline address search (issue 13): 200,000 BAN-like addresses, typed queries.

Builds a synthetic département (communes, streets, lieux-dits and numbered
addresses whose names mix the words of real French street names), then times
:meth:`mapapp.territory.address_search.AddressIndex.search` on every prefix of
typical queries, as an autocompletion sends them while a person types.

    .venv/bin/python scripts/bench_addresses.py [--addresses 200000]

Prints the index build time and the p50 / p95 / max search times (target: < 20 ms).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from mapapp.territory.address_search import AddressIndex
from mapapp.territory.addresses import Address

KINDS = ["Rue", "Avenue", "Chemin", "Route", "Impasse", "Place", "Allée", "Boulevard", "Lotissement", "Cours"]
NAMES = ["de la Paix", "du Général de Gaulle", "Jean Jaurès", "Victor Hugo", "de l'Église", "des Écoles", "du Moulin",
         "de la Gare", "Pasteur", "des Lilas", "du Stade", "de la Mairie", "Saint-Jean", "Sainte-Marie",
         "des Châtaigniers", "du Lavoir", "Napoléon", "Pascal Paoli", "des Oliviers", "de la Fontaine", "du Port",
         "des Pins", "Notre-Dame", "de la Croix", "du Château", "des Vignes", "Émile Zola", "de la République"]
COMMUNE_ROOTS = ["Santa", "San", "Porto", "Monte", "Castel", "Villa", "Bocca", "Ponte", "Serra", "Olmo", "Piana",
                 "Cala", "Torre", "Lecci", "Zonza", "Sari", "Vico", "Calcatoggio", "Ota", "Evisa"]
QUERIES = ["12 rue de la paix santa", "avenue jean jaures", "chemin du moulin porto", "st jean", "7 bis route de la gare",
           "lotissement des oliviers", "place de l eglise monte", "20117", "castelvico", "allee des lilas ponte"]


def synthetic(n: int, seed: int = 1) -> list[Address]:
    rng = random.Random(seed)
    communes = []
    for i in range(360):
        name = f"{rng.choice(COMMUNE_ROOTS)}{rng.choice(['', '-di-', '-'])}{rng.choice(COMMUNE_ROOTS).lower()}"
        communes.append((f"2A{i + 1:03d}", name.replace("--", "-"), f"20{100 + i % 300:03d}",
                         8.5 + rng.random(), 41.4 + rng.random()))
    out: list[Address] = []
    street = 0
    while len(out) < n:
        insee, commune, cp, lon, lat = rng.choice(communes)
        voie = f"{rng.choice(KINDS)} {rng.choice(NAMES)}"
        ld = rng.choice(["", "", "", f"{rng.choice(COMMUNE_ROOTS)} {rng.choice(['Alta', 'Bassa', 'Vecchia'])}"])
        street += 1
        for number in range(1, rng.randint(2, 32)):
            rep = "bis" if rng.random() < 0.03 else ""
            out.append(Address(f"{insee}_{street:05d}_{number:05d}{rep}", number, rep, voie, cp, insee, commune, ld, "",
                               lon + rng.random() / 100, lat + rng.random() / 100))
    return out[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=200_000)
    args = parser.parse_args()
    addresses = synthetic(args.addresses)
    t0 = time.perf_counter()
    index = AddressIndex(addresses)
    build = time.perf_counter() - t0
    times = []
    for q in QUERIES:
        for end in range(3, len(q) + 1):  # every keystroke from the third character
            t = time.perf_counter()
            index.search(q[:end], 8)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{len(addresses)} adresses, {len(index.entries)} entrées (voies, lieux-dits, communes)")
    print(f"construction de l'index : {build:.2f} s")
    print(f"{len(times)} recherches : médiane {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
          f"max {times[-1]:.2f} ms (objectif : < 20 ms)")


if __name__ == "__main__":
    main()

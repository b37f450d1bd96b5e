"""A fictional demo département (« Val-d'Arlenc », code 96), generated as files.

    from mapapp.demo import generate_demo, generate_roads
    generate_demo(Path("geodata/demo"))                 # ~1-2 s, byte-identical for a seed
    generate_roads(Path("big/roads.osm"), 1_000_000)    # a bigger network for benchmarks

See ``geodata/README.md`` for the files and their columns.
"""

from .generate import DEFAULT_SEED, FILES, generate_demo, generate_roads

__all__ = ["DEFAULT_SEED", "FILES", "generate_demo", "generate_roads"]

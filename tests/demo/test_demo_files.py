"""The demo is written where asked, is labelled fictional, and is deterministic."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from mapapp.demo import FILES, generate_demo


def test_all_files_written_in_a_created_folder(demo_dir):
    assert demo_dir.is_dir()
    for name in FILES:
        assert (demo_dir / name).stat().st_size > 0, name


def test_territory_json_says_fictional(demo_dir):
    t = json.loads((demo_dir / "territory.json").read_text(encoding="utf-8"))
    assert set(t) == {"name", "departement", "fictional", "description", "seed", "sources"}
    assert t["departement"] == "96"
    assert t["fictional"] is True
    assert "fictif" in t["description"]
    assert t["seed"] == 96
    assert isinstance(t["sources"], dict) and t["sources"]


def test_same_seed_gives_byte_identical_files(demo_dir, tmp_path):
    # another process, with another string-hash seed: nothing may depend on set or dict order
    code = "import sys, pathlib; from mapapp.demo import generate_demo; generate_demo(pathlib.Path(sys.argv[1]))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    run = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (demo_dir / name).read_bytes(), name


def test_progress_callable_sees_every_step(tmp_path):
    messages: list[str] = []
    generate_demo(tmp_path, progress=messages.append)  # the CLI passes a one-argument callable
    assert len(messages) >= 5
    assert messages[-1].endswith(f"({len(messages)}/{len(messages)})")
    assert any("catalog" in m for m in messages) and any("roads" in m for m in messages)


def test_another_seed_gives_another_territory(demo_dir, tmp_path):
    summary = generate_demo(tmp_path, seed=7, progress=False)
    assert summary["communes"] == 150 and summary["offers"] >= 300
    assert (tmp_path / "communes.geojson").read_bytes() != (demo_dir / "communes.geojson").read_bytes()


def test_summary_counts(summary):
    assert summary["communes"] >= 150
    assert summary["buffer_communes"] >= 20
    assert summary["population_points"] >= 2_000
    assert summary["osm_nodes"] >= 30_000
    assert summary["offers"] >= 300
    assert summary["thematique_categories"] >= 12
    assert 200_000 <= summary["population"] <= 250_000

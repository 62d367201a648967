"""The bundled example projects: identical copies, labelled assumptions, headline figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from orechain.atlas.sources import data_dir
from orechain.economics.compare import compare_projects
from orechain.economics.project import load_project
from orechain.economics.results import evaluate_project

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("pakistan-concentrate-export.yaml", "pakistan-polymetallic-refinery.yaml")


@pytest.mark.parametrize("name", NAMES)
def test_root_copy_matches_the_packaged_canonical_file(name):
    packaged = data_dir() / "projects" / name
    copy = ROOT / "projects" / name
    if not copy.exists():
        pytest.skip("not a source checkout")
    assert copy.read_bytes() == packaged.read_bytes()


@pytest.mark.parametrize("name", NAMES)
def test_every_assumption_is_labelled(name):
    project = load_project(data_dir() / "projects" / name)
    assert project.assumptions
    assert all(a.startswith(("ASSUMPTION", "DATA")) for a in project.assumptions)
    assert all(v.startswith(("ASSUMPTION", "USGS")) for v in project.sources.values())
    assert (project.fiscal.source or "").startswith("ASSUMPTION")
    assert all(spec.atlas is not None or spec.assumption for spec in project.prices.values())


def test_headline_results_hang_together(atlas):
    a, b = (load_project(data_dir() / "projects" / n) for n in NAMES)
    ra, rb = evaluate_project(a, atlas), evaluate_project(b, atlas)
    for r in (ra, rb):
        assert r.table.year.iloc[0] == 2026
        assert r.peak_funding > 0
        assert r.host_take["total"] > r.host_take["royalty"] > 0
        assert r.breakeven.key == "ndpr_oxide"
    assert rb.jobs["operations"] > ra.jobs["operations"]
    assert rb.export_revenue > ra.export_revenue
    res = compare_projects(a, b, atlas)
    assert res.incremental_npv == pytest.approx(rb.npv - ra.npv)

"""Stage shares from the EU CRM 2023 extract, IEA and refining.json; the curated file."""

from __future__ import annotations

import json

import pytest

from orechain.atlas.ingest import stage_shares
from orechain.atlas.sources import data_dir
from orechain.atlas.store import transaction
from orechain.errors import InputError

EUCRM = data_dir() / "baci_hs17_extract" / "eucrm.json"
REFINING = data_dir() / "baci_hs17_extract" / "refining.json"
IEA = data_dir() / "iea" / "iea.json"
CURATED = data_dir() / "reference" / "stage_shares_curated.csv"
HEADER = "commodity,stage,country,year,share,quantity_t,note,citation\n"


def _load(con, path, source_id="test"):
    with transaction(con):
        return stage_shares.load(con, path, source_id)


def _share(con, commodity, stage, country, source_id="test"):
    row = con.execute(
        "SELECT share FROM stage_shares "
        "WHERE commodity=? AND stage=? AND country=? AND source_id=?",
        [commodity, stage, country, source_id],
    ).fetchone()
    return None if row is None else row[0]


def test_iea_magnet_rare_earths_and_copper(con):
    report = _load(con, IEA)
    # iea/PROVENANCE.md: magnet REE refining 80.8 kt, China 73.8 kt (91 %); mining China 61 %
    assert _share(con, "rare-earths", "refining", "CHN") == pytest.approx(73.757 / 80.805, abs=1e-3)
    assert _share(con, "rare-earths", "refining", "CHN") == pytest.approx(0.91, abs=0.005)
    assert _share(con, "rare-earths", "mining", "CHN") == pytest.approx(0.61, abs=0.005)
    assert _share(con, "copper", "refining", "CHN") == pytest.approx(11_860 / 26_944, abs=1e-4)
    assert _share(con, "copper", "mining", "OTHER") == pytest.approx(7_757 / 22_794, abs=1e-4)
    # the two footnotes parsed as "countries" are dropped, with a warning each
    assert sum("footnote" in w for w in report.warnings) == 2
    sums = con.execute(
        "SELECT commodity, stage, sum(share) FROM stage_shares GROUP BY ALL"
    ).fetchall()
    assert all(s == pytest.approx(1.0) for _, _, s in sums)
    years = con.execute("SELECT DISTINCT year FROM stage_shares").fetchall()
    assert years == [(2024,)]


def test_eu_crm_top_suppliers(con):
    report = _load(con, EUCRM)
    assert _share(con, "antimony", "mining", "CHN") == pytest.approx(0.56)
    assert _share(con, "rare-earths", "processing", "CHN") == pytest.approx(0.85)
    assert _share(con, "cobalt", "mining", "COD") == pytest.approx(0.63)
    assert _share(con, "boron", "mining", "TUR") == pytest.approx(0.48)
    skipped = {w.split("'")[1] for w in report.warnings}
    assert skipped == {"palladium", "platinum", "phosphorus", "cokingcoal"}


def test_refining_json_adds_antimony_refining_only_where_iea_has_nothing(con):
    _load(con, REFINING)
    assert _share(con, "antimony", "refining", "CHN") == pytest.approx(0.80)
    # copper/cobalt/nickel entries are computed from the IEA dataset: not loaded twice
    assert _share(con, "copper", "refining", "CHN") is None


def test_curated_file_is_empty_until_a_figure_can_be_cited(con):
    assert CURATED.read_text("utf-8") == HEADER
    assert _load(con, CURATED).rows == {"stage_shares": 0}


def test_curated_row_needs_a_citation(con, tmp_path):
    path = tmp_path / "curated.csv"
    path.write_text(HEADER + "antimony,refining,China,2024,0.5,,example,\n", "utf-8")
    with pytest.raises(InputError, match="cite") as err:
        _load(con, path)
    assert (err.value.row, err.value.field) == (2, "citation")
    cited = HEADER + "antimony,refining,China,2024,0.5,,example,Doc (2024) p. 1\n"
    path.write_text(cited, "utf-8")
    _load(con, path)
    note = con.execute("SELECT note FROM stage_shares").fetchone()[0]
    assert note.startswith("published estimate")
    assert "Doc (2024) p. 1" in note


def test_unknown_country_in_iea_names_it_and_loads_nothing(con, tmp_path):
    data = json.loads(IEA.read_text("utf-8"))
    countries = data["supply"]["Copper"]["refining"]["countries"]
    countries["Atlantis"] = countries.pop("India")
    path = tmp_path / "iea.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputError, match="Atlantis") as err:
        _load(con, path)
    assert err.value.source == str(path)
    assert con.execute("SELECT count(*) FROM stage_shares").fetchone() == (0,)


def test_share_out_of_range_and_unknown_file(con, tmp_path):
    data = json.loads(EUCRM.read_text("utf-8"))
    data["materials"]["antimony"]["pct"] = 156
    path = tmp_path / "eucrm.json"
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(InputError, match="between 0 and 100") as err:
        _load(con, path)
    assert err.value.field == "materials.antimony.pct"
    other = tmp_path / "other.json"
    other.write_text("{}", "utf-8")
    with pytest.raises(InputError, match="not a stage-shares file"):
        _load(con, other)


def test_stages_are_vocabulary_ids_and_an_unknown_stage_loads_nothing(con, tmp_path):
    path = tmp_path / "curated.csv"
    row = "antimony,{stage},China,2023,0.5,,note,Some Source 2024 table 1\n"
    path.write_text(HEADER + row.format(stage="Smelter"), "utf-8")
    _load(con, path, "ok")
    assert _share(con, "antimony", "smelting", "CHN", "ok") == pytest.approx(0.5)
    path.write_text(HEADER + row.format(stage="melting pot"), "utf-8")
    with pytest.raises(InputError, match="unknown stage 'melting pot'") as err:
        _load(con, path, "bad")
    assert (err.value.row, err.value.field) == (2, "stage")
    assert con.execute("SELECT count(*) FROM stage_shares WHERE source_id='bad'").fetchone() == (0,)


def test_hs_map_stage_column_uses_the_vocabulary(tmp_path):
    from orechain.atlas.hs_codes import hs_map, read_hs_map
    from orechain.stages import STAGE_IDS

    assert set(hs_map()["stage"]) <= set(STAGE_IDS)
    bad = tmp_path / "hs_map.csv"
    bad.write_text(
        "commodity,hs6,stage,description,default,confidence,source_id,note\n"
        "copper,260300,ore-ish,Copper ores,true,high,x,\n",
        "utf-8",
    )
    with pytest.raises(InputError, match="unknown stage 'ore-ish'") as err:
        read_hs_map(bad)
    assert (err.value.row, err.value.field) == (2, "stage")

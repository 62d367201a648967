import { barChart, scatterChart } from "./charts.js";
import { api, downloadCsv, fillTable, makeSortable } from "./common.js";
import { number, percent, ratio } from "./formatting.js";
import { cite, label, sourceName } from "./labels.js";
import { restore, setState } from "./urlstate.js";

const select = document.getElementById("risk-commodity");
makeSortable(document.getElementById("overview-table"));
let overview = [], exposure = [];

function drawStages() {
  setState({ commodity: select.value });
  const rows = overview.filter((r) => r.commodity === select.value);
  const name = select.options[select.selectedIndex].text;
  barChart(document.getElementById("stage-chart"), rows.map((r) => ({
    label: `${label(r.measure)} (${r.year})`, value: r.hhi,
    tip: `${name}, ${label(r.measure)} ${r.year}: HHI ${number(r.hhi)}, top ${r.top_country || "–"} ${percent(r.cr1)} — ${sourceName(r.source_id)}`,
  })), { max: 10000, format: (v) => number(v), label: `HHI by stage of ${name}`, xTitle: "Herfindahl–Hirschman index (0–10,000)" });
  fillTable(document.getElementById("stage-table"), [
    { key: "measure", format: (v) => label(v) }, { key: "year", num: true }, { key: "hhi", num: true, format: (v) => number(v) },
    { key: "cr1", num: true, format: (v) => percent(v) }, { key: "top_country" }, { key: "source_id", format: (v) => cite(v) },
  ], rows);
}

function drawMatrix() {
  const rows = exposure.filter((r) => r.hhi_wgi !== null && r.net_import_reliance !== null);
  scatterChart(document.getElementById("matrix"), rows.map((r) => ({
    x: r.hhi_wgi, y: Math.min(100, r.net_import_reliance) / 100, label: r.name,
    tip: `${r.name} (${label(r.stage)}): governance-weighted HHI ${ratio(r.hhi_wgi)}, HHI ${number(r.hhi)}, U.S. net import reliance ${number(r.net_import_reliance)} %, top ${r.top_country || "–"}`,
  })), {
    label: "Exposure matrix: concentration against U.S. import reliance",
    xTitle: "Governance-weighted HHI of the most concentrated stage (0–10)", yTitle: "U.S. net import reliance",
    xFormat: (v) => ratio(v, 1), yFormat: (v) => percent(v, 0), yMax: 1,
  });
}

document.getElementById("matrix-csv").addEventListener("click", () => downloadCsv("exposure-matrix.csv",
  [["commodity", "stage", "hhi_wgi", "hhi", "net_import_reliance_pct", "top_country"],
    ...exposure.map((r) => [r.commodity, r.stage, r.hhi_wgi, r.hhi, r.net_import_reliance, r.top_country])]));
select.addEventListener("change", drawStages);
restore(select, "commodity");
Promise.all([api("/api/risk/overview"), api("/api/risk/exposure")]).then(([o, e]) => {
  overview = o; exposure = e; drawStages(); drawMatrix();
});

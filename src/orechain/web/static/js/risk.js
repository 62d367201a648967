import { api, barChart, downloadCsv, fillTable, fmt, makeSortable, pct } from "./common.js";

const d3 = window.d3;
const select = document.getElementById("risk-commodity");
makeSortable(document.getElementById("overview-table"));
let overview = [], exposure = [];

function drawStages() {
  const rows = overview.filter((r) => r.commodity === select.value);
  barChart(document.getElementById("stage-chart"), rows.map((r) => ({ label: `${r.measure} (${r.year})`, value: r.hhi })),
    { max: 10000, format: (v) => fmt(v, 4), label: `HHI by stage of ${select.value}` });
  fillTable(document.getElementById("stage-table"), [
    { key: "measure" }, { key: "year" }, { key: "hhi", num: true, format: (v) => fmt(v, 4) },
    { key: "cr1", num: true, format: (v) => pct(v, 0) }, { key: "top_country" }, { key: "source_id" },
  ], rows);
}

function drawMatrix() {
  const rows = exposure.filter((r) => r.hhi_wgi !== null && r.net_import_reliance !== null);
  const width = 640, height = 380, m = { l: 50, r: 20, t: 10, b: 40 };
  const el = document.getElementById("matrix"); d3.select(el).selectAll("*").remove();
  const svg = d3.select(el).append("svg").attr("viewBox", `0 0 ${width} ${height}`).attr("role", "img")
    .attr("aria-label", "Exposure matrix: concentration against U.S. import reliance; table available as CSV");
  const x = d3.scaleLinear().domain([0, d3.max(rows, (r) => r.hhi_wgi) || 1]).nice().range([m.l, width - m.r]);
  const y = d3.scaleLinear().domain([0, 100]).range([height - m.b, m.t]);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - m.b})`).call(d3.axisBottom(x));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${m.l}, 0)`).call(d3.axisLeft(y).tickFormat((v) => `${v} %`));
  svg.append("text").attr("x", width / 2).attr("y", height - 5).attr("text-anchor", "middle").attr("font-size", 12).text("HHI_WGI of the most concentrated stage");
  const dot = svg.selectAll("g.dot").data(rows).join("g").attr("class", "dot");
  dot.append("circle").attr("cx", (r) => x(r.hhi_wgi)).attr("cy", (r) => y(Math.min(100, r.net_import_reliance))).attr("r", 4).attr("fill", "#b4462b");
  dot.filter((r) => r.hhi_wgi > 2 || r.net_import_reliance >= 99).append("text").attr("x", (r) => x(r.hhi_wgi) + 5)
    .attr("y", (r) => y(Math.min(100, r.net_import_reliance)) - 4).attr("font-size", 10).text((r) => r.name);
  dot.append("title").text((r) => `${r.name} (${r.stage}): HHI_WGI ${fmt(r.hhi_wgi)}, US NIR ${r.net_import_reliance} %`);
}

document.getElementById("matrix-csv").addEventListener("click", () => downloadCsv("exposure-matrix.csv",
  [["commodity", "stage", "hhi_wgi", "hhi", "net_import_reliance_pct", "top_country"],
    ...exposure.map((r) => [r.commodity, r.stage, r.hhi_wgi, r.hhi, r.net_import_reliance, r.top_country])]));
select.addEventListener("change", drawStages);
Promise.all([api("/api/risk/overview"), api("/api/risk/exposure")]).then(([o, e]) => {
  overview = o; exposure = e; drawStages(); drawMatrix();
});

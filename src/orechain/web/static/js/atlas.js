import { choropleth, lineChart } from "./charts.js";
import { api, downloadCsv, fillTable, makeSortable, tableRows } from "./common.js";
import { number, percent } from "./formatting.js";
import { label, sourceName, unitLabel } from "./labels.js";
import { restore, setState } from "./urlstate.js";

const d3 = window.d3, topojson = window.topojson;
const $ = (id) => document.getElementById(id);
const form = $("atlas-form"), commodity = $("commodity"), measure = $("measure"), year = $("year"), scale = $("scale");
const caption = $("atlas-caption"), table = $("atlas-table");
let world = null, commodities = [], last = null;

async function loadWorld() {
  if (!world) world = await (await fetch("/static/vendor/world-atlas-2.0.2-countries-110m.json")).json();
  return topojson.feature(world, world.objects.countries).features;
}

function fillMeasures() {
  const c = commodities.find((x) => x.commodity === commodity.value);
  const options = c && c.measures.length ? c.measures : ["mine"];
  measure.innerHTML = options.map((m) => `<option value="${m}">${label(m)}</option>`).join("");
}

async function drawMap(data) {
  const features = await loadWorld();
  const byCode = new Map(data.rows.filter((r) => r.m49 !== null && r.value !== null).map((r) => [Number(r.m49), r]));
  const valueOf = (f) => (byCode.has(Number(f.id)) ? byCode.get(Number(f.id)).value : null);
  const isoOf = (f) => (byCode.has(Number(f.id)) ? byCode.get(Number(f.id)).country : null);
  choropleth($("map"), features, valueOf, {
    scale: scale.value, label: `${label(data.measure)}, ${data.year}`, unit: unitLabel(data.unit), source: sourceName(data.source_id),
    nameOf: (f) => (byCode.get(Number(f.id)) || {}).country_name || f.properties.name,
    onClick: (f) => { if (isoOf(f)) location.href = `/atlas/country/${isoOf(f)}`; },
  });
}

async function drawSeries() {
  const el = $("series-chart");
  try {
    const data = await api(`/api/dashboard/series/${encodeURIComponent(commodity.value)}?measure=${encodeURIComponent(measure.value)}`);
    const unit = unitLabel(data.unit);
    lineChart(el, data.series.map((s) => ({
      name: s.name, values: s.points.map((p) => ({ x: p.year, y: p.value, source: sourceName(p.source_id) })),
    })), { label: `${label(data.measure)} by year`, yTitle: `${label(data.measure)} [${unit}]`, unit });
    const rows = data.years.map((y) => Object.fromEntries([["year", y], ...data.series.map((s) => {
      const p = s.points.find((q) => q.year === y); return [s.iso3, p ? `${number(p.value)} (${p.source_id})` : "–"];
    })]));
    fillTable($("series-table"), [{ key: "year" }, ...data.series.map((s) => ({ key: s.iso3, header: `${s.name} [${unit}] (edition)`, num: true }))], rows);
  } catch (error) {
    d3.select(el).selectAll("*").remove(); el.textContent = `No series: ${error.message}`;
    fillTable($("series-table"), [{ key: "year" }], []);
  }
}

async function show(event) {
  if (event) event.preventDefault();
  setState({ commodity: commodity.value, measure: measure.value, year: year.value, scale: scale.value });
  const params = new URLSearchParams({ measure: measure.value });
  if (year.value) params.set("year", year.value);
  caption.textContent = "Loading…";
  try {
    const data = await api(`/api/atlas/production/${encodeURIComponent(commodity.value)}?${params}`);
    last = data;
    caption.textContent = `${data.type}, ${data.year} [${unitLabel(data.unit)}${data.basis ? `, ${data.basis}` : ""}]; source: ${sourceName(data.source_id)}.`;
    caption.dataset.commodity = data.commodity; caption.dataset.year = data.year;
    const rows = data.rows.filter((r) => r.country !== "WORLD");
    const cellLink = (v, r) => { if (!r.m49) return v; const a = document.createElement("a"); a.href = `/atlas/country/${r.country}`; a.textContent = v; return a; };
    fillTable(table, [
      { key: "country_name", format: cellLink }, { key: "country" },
      { key: "value", num: true, format: (v) => number(v) }, { key: "share", num: true, format: (v) => percent(v) }, { key: "qualifier" },
    ], rows);
    const th = table.tHead.rows[0].cells[2];
    (th.querySelector("button") || th).textContent = `value [${unitLabel(data.unit)}]`;
    await Promise.all([drawMap(data), drawSeries()]);
  } catch (error) { caption.textContent = `No data: ${error.message}`; }
}

makeSortable(table);
$("csv").addEventListener("click", () => downloadCsv(`atlas-${commodity.value}.csv`, tableRows(table)));
commodity.addEventListener("change", () => { fillMeasures(); show(); });
measure.addEventListener("change", () => show());
scale.addEventListener("change", () => { setState({ scale: scale.value }); if (last) drawMap(last); });
form.addEventListener("submit", show);
restore(commodity, "commodity"); restore(scale, "scale"); restore(year, "year");
api("/api/atlas/commodities?limit=500").then((page) => {
  commodities = page.items; fillMeasures(); restore(measure, "measure"); show();
});

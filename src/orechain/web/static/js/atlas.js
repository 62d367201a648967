import { api, downloadCsv, fillTable, fmt, makeSortable, pct, tableRows } from "./common.js";

const d3 = window.d3, topojson = window.topojson;
const form = document.getElementById("atlas-form");
const commodity = document.getElementById("commodity"), measure = document.getElementById("measure");
const year = document.getElementById("year"), caption = document.getElementById("atlas-caption");
const table = document.getElementById("atlas-table");
let world = null, commodities = [];

async function loadWorld() {
  if (!world) world = await (await fetch("/static/vendor/world-atlas-2.0.2-countries-110m.json")).json();
  return topojson.feature(world, world.objects.countries);
}

function fillMeasures() {
  const c = commodities.find((x) => x.commodity === commodity.value);
  const options = c && c.measures.length ? c.measures : ["mine"];
  measure.innerHTML = options.map((m) => `<option>${m}</option>`).join("");
}

async function drawMap(data) {
  const land = await loadWorld();
  const byCode = new Map(data.rows.filter((r) => r.m49 !== null && r.value !== null).map((r) => [Number(r.m49), r]));
  const values = [...byCode.values()].map((r) => r.value).filter((v) => v > 0);
  const color = d3.scaleSequentialLog(d3.interpolateYlOrRd).domain([Math.max(d3.min(values) || 1, 1e-9), d3.max(values) || 1]);
  const width = 960, height = 480;
  const el = document.getElementById("map"); d3.select(el).selectAll("*").remove();
  const svg = d3.select(el).append("svg").attr("viewBox", `0 0 ${width} ${height}`).attr("aria-hidden", "true");
  const path = d3.geoPath(d3.geoNaturalEarth1().fitSize([width, height], land));
  svg.selectAll("path").data(land.features).join("path")
    .attr("class", (f) => byCode.has(Number(f.id)) ? "country" : "country nodata")
    .attr("d", path).attr("fill", (f) => byCode.has(Number(f.id)) ? color(Math.max(byCode.get(Number(f.id)).value, 1e-9)) : null)
    .append("title").text((f) => {
      const r = byCode.get(Number(f.id));
      return r ? `${r.country_name}: ${fmt(r.value)} ${data.unit}` : `${f.properties.name}: no data`;
    });
}

async function show(event) {
  if (event) event.preventDefault();
  const params = new URLSearchParams({ measure: measure.value });
  if (year.value) params.set("year", year.value);
  caption.textContent = "Loading…";
  try {
    const data = await api(`/api/atlas/production/${encodeURIComponent(commodity.value)}?${params}`);
    caption.textContent = `${data.type}, ${data.year} — ${data.unit}${data.basis ? ` (${data.basis})` : ""}; source ${data.source_id}.`;
    const rows = data.rows.filter((r) => r.country !== "WORLD");
    fillTable(table, [
      { key: "country_name" }, { key: "country" }, { key: "value", num: true, format: (v) => fmt(v, 4) },
      { key: "share", num: true, format: (v) => pct(v) }, { key: "qualifier" },
    ], rows);
    await drawMap(data);
  } catch (error) { caption.textContent = `No data: ${error.message}`; }
}

makeSortable(table);
document.getElementById("csv").addEventListener("click", () => downloadCsv(`atlas-${commodity.value}.csv`, tableRows(table)));
commodity.addEventListener("change", fillMeasures);
form.addEventListener("submit", show);
api("/api/atlas/commodities?limit=500").then((page) => { commodities = page.items; fillMeasures(); show(); });

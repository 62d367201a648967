import { api, downloadCsv, fillTable, fmt, lineChart, sankeyChart, tableRows } from "./common.js";

const $ = (id) => document.getElementById(id);
const form = $("scenario-form"), name = $("scenario-name"), yaml = $("yaml");
const progress = $("progress"), statusEl = $("status"), cancel = $("cancel");
let current = null;

function request() { return yaml.value.trim() ? { yaml: yaml.value } : { name: name.value }; }

async function load() {
  const doc = await api(`/api/scenarios/bundled/${encodeURIComponent(name.value)}`);
  yaml.value = doc.yaml; $("editor-box").open = true;
}

async function validate() {
  const result = await api("/api/scenarios/validate", { body: request() });
  statusEl.textContent = result.valid ? `Valid: ${result.name}` : `Invalid: ${result.error.message}`;
}

function draw(result) {
  $("results").hidden = false;
  const s = result.summary;
  $("summary").textContent = `${s.region}: shortfall ${fmt(s.shortfall_t)} t over the horizon (${(100 * s.shortfall_share).toFixed(1)} % of demand); worst year ${s.worst_year}.`;
  const sectors = Object.keys(result.years[0].shortfall_by_sector);
  lineChart($("shortfall-chart"), sectors.map((sector) => ({
    name: sector, values: result.years.map((y) => ({ x: y.year, y: y.shortfall_by_sector[sector] })),
  })), { label: "Shortfall by sector over time" });
  const series = [{ name: "as specified", values: result.years.map((y) => ({ x: y.year, y: y.shortfall_t })) }];
  if (result.without) series.push({ name: result.without.variant.slice(0, 28), values: result.without.years.map((y) => ({ x: y.year, y: y.shortfall_t })) });
  lineChart($("compare-chart"), series, { label: "Shortfall with and without the mitigations" });
  const columns = [{ key: "year" }, { key: "shortfall_t", header: "shortfall [t]", num: true, format: (v) => fmt(v, 4) },
    ...sectors.map((k) => ({ key: k, header: k, num: true, format: (v) => fmt(v, 4) }))];
  if (result.without) columns.push({ key: "without", header: "shortfall without mitigations [t]", num: true, format: (v) => fmt(v, 4) });
  fillTable($("shortfall-table"), columns, result.years.map((y, i) => ({
    year: y.year, shortfall_t: y.shortfall_t, ...y.shortfall_by_sector,
    without: result.without ? result.without.years[i].shortfall_t : null,
  })));
  const links = result.sankey.links.filter((l) => l.tonnes > 1e-6).map((l) => ({ source: l.source, target: l.target, value: l.tonnes }));
  $("sankey-caption").textContent = `Flows between stages and countries in ${result.sankey.year} [t].`;
  sankeyChart($("sankey"), links, { label: `Sankey of flows in ${result.sankey.year}` });
  fillTable($("sankey-table"), [{ key: "source" }, { key: "target" }, { key: "value", num: true, format: (v) => fmt(v, 4) }],
    [...links].sort((a, b) => b.value - a.value).slice(0, 25));
}

async function poll(jobId) {
  const job = await api(`/api/scenarios/runs/${jobId}`);
  progress.value = job.progress; statusEl.textContent = `${job.status}${job.message ? `: ${job.message}` : ""}`;
  if (["queued", "running"].includes(job.status)) { setTimeout(() => poll(jobId), 300); return; }
  cancel.disabled = true; current = null;
  if (job.status === "done") { draw(job.result); statusEl.textContent = "Done."; statusEl.dataset.done = "true"; }
  else if (job.error) statusEl.textContent = `Failed: ${job.error.message}`;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const job = await api("/api/scenarios/runs", { body: request() });
    current = job.job_id; cancel.disabled = false; progress.value = 0; poll(job.job_id);
  } catch (error) { statusEl.textContent = `Could not start: ${error.message}`; }
});
cancel.addEventListener("click", async () => { if (current) await api(`/api/scenarios/runs/${current}`, { method: "DELETE" }); });
$("load").addEventListener("click", () => load().catch((e) => { statusEl.textContent = e.message; }));
$("validate").addEventListener("click", () => validate().catch((e) => { statusEl.textContent = e.message; }));
$("shortfall-csv").addEventListener("click", () => downloadCsv("scenario-shortfall.csv", tableRows($("shortfall-table"))));

import { lineChart, sankeyChart } from "./charts.js";
import { api, downloadCsv, fillTable, tableRows } from "./common.js";
import { isOpenRange, number, percent, rangeNote, shareRangeCell } from "./formatting.js";
import { label } from "./labels.js";
import { GROUP_TITLE, ORIGIN_COLOURS, minedIn, originBands, sankeyCaption } from "./origins.js";
import { restore, setState } from "./urlstate.js";

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
  $("summary").textContent = `${s.region}: shortfall ${number(s.shortfall_t)} t over the horizon (${percent(s.shortfall_share)} of demand); worst year ${s.worst_year}.`;
  const sectors = Object.keys(result.years[0].shortfall_by_sector);
  const opts = { xTitle: "year", yTitle: "shortfall [t]", unit: "t", source: `scenario ${result.scenario} (model prediction)` };
  lineChart($("shortfall-chart"), sectors.map((sector) => ({
    name: label(sector), values: result.years.map((y) => ({ x: y.year, y: y.shortfall_by_sector[sector] })),
  })), { label: "Shortfall by sector over time", ...opts });
  const series = [{ name: "as specified", values: result.years.map((y) => ({ x: y.year, y: y.shortfall_t })) }];
  if (result.without) series.push({ name: `without the mitigations (${result.without.removed.join(", ")})`, values: result.without.years.map((y) => ({ x: y.year, y: y.shortfall_t })) });
  lineChart($("compare-chart"), series, { label: "Shortfall with and without the mitigations", ...opts });
  const columns = [{ key: "year", num: true }, { key: "shortfall_t", num: true, format: (v) => number(v) },
    ...sectors.map((k) => ({ key: k, header: `${label(k)} [t]`, num: true, format: (v) => number(v) }))];
  if (result.without) columns.push({ key: "without", header: "shortfall without mitigations [t]", num: true, format: (v) => number(v) });
  fillTable($("shortfall-table"), columns, result.years.map((y, i) => ({
    year: y.year, shortfall_t: y.shortfall_t, ...y.shortfall_by_sector,
    without: result.without ? result.without.years[i].shortfall_t : null,
  })));
  chinaShares(result);
  // The same bands, legend and caption as the overview's corridor Sankey (origins.js).
  const { year, links } = result.sankey;
  const { bands, by } = originBands(links);
  const caption = $("sankey-caption");
  caption.dataset.colouredBy = by;
  caption.textContent = sankeyCaption(by, year);
  sankeyChart($("sankey"), bands, { label: `Sankey of flows in ${year}`, highlight: ["Pakistan"], groupTitle: GROUP_TITLE[by], colours: ORIGIN_COLOURS });
  // One row per link (not per band), its mined origins spelled out so the table reads without colour.
  fillTable($("sankey-table"), [{ key: "source", header: "from" }, { key: "target", header: "to" }, { key: "tonnes", header: "flow [t]", num: true, format: (v) => number(v) },
    { key: "origin", header: "mined in [t]", format: (v) => minedIn(v) }],
  links.filter((l) => l.tonnes > 1e-6).sort((a, b) => b.tonnes - a.tonnes).slice(0, 25));
}

// China's share of the focus region's supply by stage and year, as the CLI prints it
// (`orechain scenario run`): each share beside its range over equally cheap routings.
function chinaShares(result) {
  const stages = [...new Set(result.years.flatMap((y) => Object.keys(y.supply_share_by_origin || {})))];
  const spans = (y) => y.supply_share_range_by_origin || {};
  fillTable($("share-table"), [{ key: "year", num: true },
    ...stages.map((s) => ({ key: s, header: label(s), num: true, format: (v, row) => shareRangeCell(v, (spans(row.doc)[s] || {}).CHN) }))],
  result.years.map((y) => ({ year: y.year, doc: y, ...Object.fromEntries(stages.map((s) => [s, ((y.supply_share_by_origin || {})[s] || {}).CHN || 0])) })));
  $("share-caption").textContent = `China's share of ${result.summary.region} supply by stage (origin-traced; model prediction)`;
  const open = result.years.some((y) => stages.some((s) => isOpenRange((spans(y)[s] || {}).CHN)));
  $("share-note").textContent = open ? rangeNote(Math.max(...result.years.map((y) => y.routing_samples || 0))) : "";
}

async function poll(jobId) {
  const job = await api(`/api/scenarios/runs/${jobId}`);
  progress.value = job.progress; statusEl.textContent = `${job.status}${job.message ? `: ${job.message}` : ""}`;
  if (["queued", "running"].includes(job.status)) { setTimeout(() => poll(jobId), 300); return; }
  cancel.disabled = true; current = null;
  if (job.status === "done") { draw(job.result); statusEl.textContent = "Done."; statusEl.dataset.done = "true"; }
  else if (job.error) statusEl.textContent = `Failed: ${job.error.message}`;
}

restore(name, "scenario");
name.addEventListener("change", () => setState({ scenario: name.value }));
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  setState({ scenario: name.value });
  try {
    const job = await api("/api/scenarios/runs", { body: request() });
    current = job.job_id; cancel.disabled = false; progress.value = 0; poll(job.job_id);
  } catch (error) { statusEl.textContent = `Could not start: ${error.message}`; }
});
cancel.addEventListener("click", async () => { if (current) await api(`/api/scenarios/runs/${current}`, { method: "DELETE" }); });
$("load").addEventListener("click", () => load().catch((e) => { statusEl.textContent = e.message; }));
$("validate").addEventListener("click", () => validate().catch((e) => { statusEl.textContent = e.message; }));
$("shortfall-csv").addEventListener("click", () => downloadCsv("scenario-shortfall.csv", tableRows($("shortfall-table"))));

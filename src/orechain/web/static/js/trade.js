import { barChart, sankeyChart } from "./charts.js";
import { api, fillTable } from "./common.js";
import { number, percent } from "./formatting.js";
import { label, sourceName } from "./labels.js";
import { restore, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const hs6 = $("hs6"), year = $("year"), country = $("country"), caption = $("trade-caption");

function countryLink(name, row) {
  const a = document.createElement("a"); a.href = `/atlas/country/${row.iso3}`; a.textContent = name; return a;
}

function side(key, data, title) {
  const s = data[key];
  barChart($(`${key}-chart`), s.rows.map((r) => ({
    label: r.name, value: r.share, href: `/trade?hs6=${data.hs6}&year=${data.year}&country=${r.iso3}`,
    tip: `${r.name}: ${percent(r.share)} of world ${title} value, ${number(r.value_usd / 1e6, 1)} M USD — ${sourceName(data.source_id)}`,
  })), { max: Math.max(...s.rows.map((r) => r.share), 0.01), label: `Share of world ${title} value`, xTitle: `share of world ${title} value (HHI ${number(s.hhi)}, ${s.n_countries} countries)`, tickFormat: (v) => percent(v, 0) });
  fillTable($(`${key}-table`), [
    { key: "name", format: countryLink }, { key: "value_usd", num: true, format: (v) => number(v / 1e6, 1) },
    { key: "quantity_t", num: true, format: (v) => number(v) }, { key: "share", num: true, format: (v) => percent(v) },
  ], s.rows);
}

function partners(p, data) {
  $("partners").hidden = !p;
  if (!p) return;
  $("partner-exports").caption.textContent = `${p.name} exports ${number(p.exports_usd)} USD of HS ${data.hs6} in ${data.year}, to:`;
  $("partner-imports").caption.textContent = `${p.name} imports ${number(p.imports_usd)} USD of HS ${data.hs6} in ${data.year}, from:`;
  const cols = [{ key: "name", format: countryLink }, { key: "value_usd", num: true, format: (v) => number(v) }, { key: "share", num: true, format: (v) => percent(v) }];
  fillTable($("partner-exports"), cols, p.exports);
  fillTable($("partner-imports"), cols, p.imports);
}

async function show(event) {
  if (event) event.preventDefault();
  const iso = country.value.trim().toUpperCase();
  setState({ hs6: hs6.value, year: year.value, country: iso });
  const params = new URLSearchParams();
  if (year.value) params.set("year", year.value);
  if (/^[A-Z]{3}$/.test(iso)) params.set("country", iso);
  caption.textContent = "Loading…";
  try {
    const data = await api(`/api/dashboard/trade/${hs6.value}?${params}`);
    caption.textContent = `HS ${data.hs6} ${data.description || ""}${data.commodity ? ` (${label(data.commodity)})` : ""}, ${data.year}: world trade ${number(data.total_usd / 1e6, 1)} M USD; exporters' HHI ${number(data.exporters.hhi)}, importers' HHI ${number(data.importers.hhi)}. Source: ${sourceName(data.source_id)}.`;
    caption.dataset.hs6 = data.hs6; caption.dataset.year = data.year;
    side("exporters", data, "export"); side("importers", data, "import");
    const name = (iso3) => (iso3 === "other" ? "other countries" : data.names[iso3] || iso3);
    sankeyChart($("flows-chart"), data.links.map((l) => ({ source: name(l.source), target: `to ${name(l.target)}`, value: l.value_usd, group: name(l.source) })),
      { label: `Trade flows of HS ${data.hs6} in ${data.year}`, unit: "USD", groupTitle: "exporter", highlight: iso ? [name(iso)] : [], height: 520 });
    partners(data.partners, data);
  } catch (error) { caption.textContent = `No data: ${error.message}`; }
}

restore(hs6, "hs6"); restore(year, "year"); restore(country, "country");
$("trade-form").addEventListener("submit", show);
hs6.addEventListener("change", () => show());
show();

// The corridor's market on the overview: the scenario's price index per stage and the
// origin-traced shares of U.S. supply, with and without Pakistan, beside the ledger's
// verified shares of what the U.S. received. One year at a time, the Sankey's slider year.
import { lineChart } from "./charts.js";
import { api, fillTable } from "./common.js";
import { isOpenRange, number, percent, rangeNote, shareRangeCell } from "./formatting.js";
import { label } from "./labels.js";

const REGION = "USA";
const ORIGINS = [["PAK", "Pakistan"], ["CHN", "China"], ["USA", "United States"]];
const verifiedByYear = new Map();

function mixOf(yearDoc) {
  const region = (yearDoc.regions || {})[REGION];
  return (region && region.origin_mix) || yearDoc.supply_share_by_origin || {};
}

// The same mix's {stage: {ISO3: [lo, hi]}} over equally cheap routings; {} for a run without.
function rangeOf(yearDoc) {
  const region = (yearDoc.regions || {})[REGION];
  return (region && region.origin_mix) ? region.origin_mix_range || {} : yearDoc.supply_share_range_by_origin || {};
}

// Pakistan, China and the United States are one origin each, so their rows carry that
// origin's range; "other countries" sums several origins and the run reports no range of
// the sum (the per-origin ranges come from different routings), so it shows the point alone.
function groupedRange(ranges) {
  return Object.fromEntries(ORIGINS.map(([iso, name]) => [name, ranges[iso]]));
}

// stage → {Pakistan, China, United States, other countries} shares.
function grouped(shares) {
  const out = {};
  let named = 0;
  for (const [iso, name] of ORIGINS) { out[name] = shares[iso] || 0; named += out[name]; }
  out["other countries"] = Object.keys(shares).length ? Math.max(0, 1 - named) : null;
  return out;
}

function priceChart(result) {
  const stages = Object.keys(result.years[0].price_index || {});
  lineChart(document.getElementById("corridor-prices"), stages.map((s) => ({
    name: label(s),
    values: result.years.filter((y) => y.price_index && y.price_index[s] !== undefined)
      .map((y) => ({ x: y.year, y: y.price_index[s], source: "model prediction" })),
  })), { label: "Price index by stage, with the Pakistan mitigations", yTitle: "price index (base year = 1)", unit: "", yFormat: (v) => number(v, 2) });
}

async function verifiedFor(year) {
  if (!verifiedByYear.has(year)) {
    verifiedByYear.set(year, api(`/api/dashboard/verified/rare-earths?buyer=${REGION}&period=${year}`).catch((error) => ({ error: error.message })));
  }
  return verifiedByYear.get(year);
}

function priceTable(result, year) {
  const withY = result.years.find((y) => y.year === year) || {};
  const withoutY = result.without ? result.without.years.find((y) => y.year === year) || {} : {};
  const stages = Object.keys(withY.price_index || {});
  document.getElementById("t-prices-caption").textContent = `Price index by stage in ${year} (1.0 = marginal delivered cost in the base year without disruption; model prediction)`;
  fillTable(document.getElementById("t-prices"), [
    { key: "stage", header: "stage" },
    { key: "with", header: "with Pakistan", num: true, format: (v) => (v == null ? "–" : number(v, 2)) },
    { key: "without", header: "without Pakistan", num: true, format: (v) => (v == null ? "–" : number(v, 2)) },
  ], stages.map((s) => ({ stage: label(s), with: withY.price_index[s], without: (withoutY.price_index || {})[s] })));
}

function originTable(result, year, verified) {
  const withY = result.years.find((y) => y.year === year);
  const withoutY = result.without ? result.without.years.find((y) => y.year === year) : null;
  const mixWith = withY ? mixOf(withY) : {}, mixWithout = withoutY ? mixOf(withoutY) : {};
  const rangeWith = withY ? rangeOf(withY) : {}, rangeWithout = withoutY ? rangeOf(withoutY) : {};
  const ver = verified && !verified.error ? verified.origin_shares || {} : {};
  const stages = [...new Set([...Object.keys(mixWith), ...Object.keys(ver)])];
  const rows = [];
  for (const stage of stages) {
    const a = grouped(mixWith[stage] || {}), b = grouped(mixWithout[stage] || {}), v = ver[stage] ? grouped(ver[stage]) : null;
    const ra = groupedRange(rangeWith[stage] || {}), rb = groupedRange(rangeWithout[stage] || {});
    for (const origin of Object.keys(a)) {
      // A point of 0 with an open range (China's mining 2035: 0 %, up to 41 %) is a row too.
      if (!a[origin] && !b[origin] && !(v && v[origin]) && !isOpenRange(ra[origin]) && !isOpenRange(rb[origin])) continue;
      rows.push({ stage: label(stage), origin, with: mixWith[stage] ? a[origin] : null, without: mixWithout[stage] ? b[origin] : null, verified: v ? v[origin] : null,
        withRange: mixWith[stage] ? ra[origin] : null, withoutRange: mixWithout[stage] ? rb[origin] : null });
    }
  }
  const fmt = (x) => (x == null ? "–" : percent(x));
  const fmtRange = (key) => (x, row) => (x == null ? "–" : shareRangeCell(x, row[key]));
  document.getElementById("t-origins-caption").textContent = `Shares of U.S. supply by origin in ${year}: modelled (origin-traced, scenario) beside verified (lots the U.S. received, ledger)`;
  fillTable(document.getElementById("t-origins"), [
    { key: "stage", header: "stage" }, { key: "origin", header: "origin" },
    { key: "with", header: "modelled, with Pakistan", num: true, format: fmtRange("withRange") },
    { key: "without", header: "modelled, without Pakistan", num: true, format: fmtRange("withoutRange") },
    { key: "verified", header: "verified (ledger)", num: true, format: fmt },
  ], rows);
  const table = document.getElementById("t-origins");
  table.dataset.year = String(year);
  table.dataset.verified = verified ? "done" : "pending";
  const open = rows.some((r) => isOpenRange(r.withRange) || isOpenRange(r.withoutRange));
  const samples = Math.max(withY ? withY.routing_samples || 0 : 0, withoutY ? withoutY.routing_samples || 0 : 0);
  document.getElementById("origins-range-note").textContent = open
    ? `${rangeNote(samples)} Other countries show the point alone (a sum of origins whose ranges come from different routings). The verified column is the ledger's record and has no such range.`
    : "";
  const note = document.getElementById("verified-note");
  if (!verified || verified.error) {
    note.textContent = `Verified shares unavailable: ${verified ? verified.error : "no ledger"}.`;
  } else if (!verified.n_lots) {
    note.textContent = `The ledger holds no rare-earth lots received by the United States from abroad in ${year}; the verified column is empty.`;
  } else {
    note.textContent = `Verified: ${verified.n_lots} lot(s) received in ${year}, ${number(verified.total_weight_t, 1)} t weighed by assayed REO where assayed; `
      + `${percent(verified.verified_mass_share)} of that mass has a certified origin upstream, ${percent(verified.unverified_mass_share)} does not.`
      + (Object.keys(ver).some((st) => !(st in mixWith)) ? " Stages the model does not have (e.g. beneficiation, the concentrate) are listed as the ledger records them." : "")
      + (verified.lots ? "" : " Lot details need an auditor token (orechain token create --role auditor).");
  }
}

// Draw the price chart once and return the per-year update the Sankey's slider calls.
export function corridorMarket(result) {
  document.getElementById("corridor-market").hidden = false;
  priceChart(result);
  return async (year) => {
    priceTable(result, year);
    originTable(result, year, null);
    const verified = await verifiedFor(year);
    originTable(result, year, verified);
  };
}

import { lineChart, sankeyChart } from "./charts.js";
import { api, barsFromTable, fillTable } from "./common.js";
import { corridorMarket } from "./corridor.js";
import { isOpenRange, number, percent, rangeNote, shareRangeCell } from "./formatting.js";
import { label, sourceName } from "./labels.js";
import { GROUP_TITLE, ORIGIN_COLOURS, originBands, sankeyCaption } from "./origins.js";
import { getState, setState } from "./urlstate.js";

document.querySelectorAll("[data-chart=bars]").forEach((el) => barsFromTable(el));

// Rare-earth prices span 1 to 2,000 USD/kg; the magnet oxides tell the corridor's story.
const PRICE_ITEMS = { "rare-earths": ["Nd2O3", "Dy2O3"] };
const VARIABLE = { net_import_reliance: "U.S. net import reliance", price: "U.S. price" };

async function usOverTime(card) {
  const cid = card.dataset.commodity, rows = new Map();
  for (const el of card.querySelectorAll("[data-series]")) {
    const variable = el.dataset.series;
    const data = await api(`/api/dashboard/salient/${cid}?variable=${variable}`);
    const wanted = PRICE_ITEMS[cid] && variable === "price" ? data.series.filter((s) => PRICE_ITEMS[cid].includes(s.name)) : data.series;
    const series = wanted.filter((s) => s.points.some((p) => p.value !== null));
    const unit = series.length ? (series[0].unit === "pct" ? "%" : series[0].unit) : "";
    lineChart(el, series.map((s) => ({
      name: `${VARIABLE[variable]}${s.name === "all forms" ? "" : `, ${s.name}`}`,
      values: s.points.filter((p) => p.value !== null).map((p) => ({ x: p.year, y: p.value, source: `${sourceName(p.source_id)}${p.flag ? ` (flag ${p.flag})` : ""}` })),
    })), { label: `${VARIABLE[variable]} of ${cid}`, yTitle: `${VARIABLE[variable]} [${unit}]`, unit, yFormat: (v) => number(v) });
    for (const s of data.series) {
      for (const p of s.points) {
        const row = rows.get(p.year) || { year: p.year }; rows.set(p.year, row);
        row[`${variable}:${s.name}`] = p.value === null ? (p.flag || "–") : `${number(p.value)}${p.flag === ">" ? " (>)" : ""}`;
      }
    }
    card.dataset[variable === "price" ? "prices" : "nir"] = String(series.length);
  }
  const keys = [...new Set([...rows.values()].flatMap((r) => Object.keys(r)).filter((k) => k !== "year"))];
  fillTable(card.querySelector("[data-series-table]"), [{ key: "year", header: "year" }, ...keys.map((k) => ({ key: k, header: k.replace("net_import_reliance:", "NIR % ").replace("price:", "price "), num: true }))],
    [...rows.values()].sort((a, b) => a.year - b.year));
}
document.querySelectorAll("#us-time [data-commodity]").forEach((card) => usOverTime(card).catch((error) => { card.append(` Over-time data unavailable: ${error.message}`); }));

async function pollRun(jobId) {
  for (;;) {
    const job = await api(`/api/scenarios/runs/${jobId}`);
    if (!["queued", "running"].includes(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

// "without pk-concentrate, pk-separation" → "without Pakistan's mitigations (pk-concentrate, pk-separation)"
function variantLabel(without) {
  return `without the Pakistan mitigations (${without.removed.join(", ")})`;
}

function digestTable(result) {
  const sides = [["with the Pakistan mitigations", result]];
  if (result.without) sides.push([variantLabel(result.without), result.without]);
  const last = (years) => years[years.length - 1];
  const stages = Object.keys(last(result.years).supply_share_by_origin || {});
  let open = false, samples = 0;
  const rows = sides.map(([name, doc]) => {
    const y = last(doc.years), shares = y.supply_share_by_origin || {}, ranges = y.supply_share_range_by_origin || {};
    return `<tr><td>${name}</td><td class="num">${number(doc.summary.shortfall_t)}</td><td class="num">${percent(doc.summary.shortfall_share)}</td>`
      + stages.map((s) => {
        // China may be absent from the point estimate yet reach 41 % on an equally cheap routing.
        const span = (ranges[s] || {}).CHN;
        if (isOpenRange(span)) { open = true; samples = Math.max(samples, y.routing_samples || 0); }
        return `<td class="num">${shareRangeCell((shares[s] || {}).CHN || 0, span).outerHTML}</td>`;
      }).join("") + "</tr>";
  });
  const year = last(result.years).year;
  return `<table class="data" id="digest-table"><caption>${result.summary.region} shortfall over ${result.years.length} years, and China's share of its supply in ${year} (model prediction)</caption>`
    + `<thead><tr><th scope="col">run</th><th scope="col" class="num">shortfall [t]</th><th scope="col" class="num">share of demand</th>`
    + stages.map((s) => `<th scope="col" class="num">China's share, ${label(s)}</th>`).join("") + `</tr></thead><tbody>${rows.join("")}</tbody></table>`
    + (open ? `<p class="muted" id="digest-range-note">${rangeNote(samples)}</p>` : "");
}

function corridor(result) {
  const years = result.sankey_by_year || [result.sankey];
  const slider = document.getElementById("corridor-year"), out = document.getElementById("corridor-year-out");
  const showYear = corridorMarket(result);
  slider.max = String(years.length - 1);
  const wanted = Number(getState("year", years[years.length - 1].year));
  const start = Math.max(0, years.findIndex((y) => y.year === wanted));
  slider.value = String(start === -1 ? years.length - 1 : start);
  const draw = () => {
    const y = years[Number(slider.value)];
    out.textContent = String(y.year);
    slider.setAttribute("aria-valuetext", String(y.year));
    const { bands, by } = originBands(y.links);
    const caption = document.getElementById("corridor-caption");
    caption.dataset.colouredBy = by;
    caption.textContent = sankeyCaption(by);
    sankeyChart(document.getElementById("corridor-sankey"), bands, {
      label: `Modelled corridor flows in ${y.year}`, highlight: ["Pakistan"], groupTitle: GROUP_TITLE[by], colours: ORIGIN_COLOURS, height: 520,
    });
    showYear(y.year);
  };
  slider.addEventListener("input", () => { draw(); setState({ year: years[Number(slider.value)].year }); });
  document.getElementById("corridor-figure").hidden = false;
  draw();
}

const box = document.getElementById("scenario-digest");
if (box) {
  api("/api/scenarios/runs", { body: { name: "pakistan-us-corridor" } })
    .then((job) => pollRun(job.job_id))
    .then((job) => {
      if (job.status !== "done") throw new Error(job.error ? job.error.message : job.status);
      box.innerHTML = digestTable(job.result);
      corridor(job.result);
    })
    .catch((error) => { box.textContent = `The scenario could not run: ${error.message}`; });
}

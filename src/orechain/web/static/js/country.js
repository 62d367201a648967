import { lineChart } from "./charts.js";
import { api, barsFromTable, makeSortable } from "./common.js";
import { sourceName, unitLabel } from "./labels.js";

// Charts show the 15 largest shares of each group; the tables list every entry.
document.querySelectorAll("[data-chart=bars]").forEach((el) => barsFromTable(el, 15));
document.querySelectorAll("table.sortable").forEach(makeSortable);

// Small multiples: the country's own series of its largest shares.
const iso3 = location.pathname.split("/").pop().toUpperCase();
document.querySelectorAll("#country-time [data-commodity]").forEach(async (card) => {
  const el = card.querySelector(".chart");
  try {
    const params = new URLSearchParams({ measure: card.dataset.measure, country: iso3 });
    const data = await api(`/api/dashboard/series/${encodeURIComponent(card.dataset.commodity)}?${params}`);
    const unit = unitLabel(data.unit);
    lineChart(el, data.series.map((s) => ({ name: s.name, values: s.points.map((p) => ({ x: p.year, y: p.value, source: sourceName(p.source_id) })) })),
      { label: card.dataset.label, yTitle: `production [${unit}]`, unit });
    card.dataset.drawn = "true";
  } catch (error) { el.textContent = `No series: ${error.message}`; }
});

import { api, columnChart, downloadCsv, fillTable, money, pct, tableRows } from "./common.js";

const $ = (id) => document.getElementById(id);
const d3 = window.d3;

function tornadoChart(el, base, bars) {
  const width = 640, row = 26, left = 120, height = row * bars.length + 40;
  d3.select(el).selectAll("*").remove();
  const svg = d3.select(el).append("svg").attr("viewBox", `0 0 ${width} ${height}`).attr("role", "img").attr("aria-label", "Tornado chart");
  const ext = d3.extent(bars.flatMap((b) => [b.low_npv, b.high_npv, base]));
  const x = d3.scaleLinear().domain(ext).nice().range([left, width - 20]);
  bars.forEach((b, i) => {
    const y = 5 + i * row;
    svg.append("text").attr("x", left - 6).attr("y", y + 15).attr("text-anchor", "end").attr("font-size", 12).text(b.factor);
    for (const [v, c] of [[b.low_npv, "#7a8ca3"], [b.high_npv, "#b4462b"]]) {
      svg.append("rect").attr("x", Math.min(x(v), x(base))).attr("y", y + 3).attr("height", 17).attr("width", Math.abs(x(v) - x(base))).attr("fill", c);
    }
  });
  svg.append("line").attr("x1", x(base)).attr("x2", x(base)).attr("y1", 0).attr("y2", height - 30).attr("stroke", "#222");
  svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - 30})`).call(d3.axisBottom(x).ticks(5).tickFormat(money));
}

async function evaluate(event) {
  if (event) event.preventDefault();
  const a = $("project-a").value, b = $("project-b").value;
  $("econ-status").textContent = "Evaluating…";
  try {
    const [run, sens, cmp] = await Promise.all([
      api("/api/economics/run", { body: { name: b } }),
      api("/api/economics/sensitivity", { body: { name: b } }),
      api("/api/economics/compare", { body: { base: { name: a }, alternative: { name: b } } }),
    ]);
    $("headline").textContent = `${run.project}: NPV at ${pct(run.discount_rate, 0)} ${money(run.npv)} ${run.currency}; IRR ${run.irr === null ? "undefined" : pct(run.irr)}; payback ${run.payback_years === null ? "none" : run.payback_years.toFixed(1) + " years"}; peak funding ${money(run.peak_funding)}.`;
    columnChart($("cashflow-chart"), run.cash_flows.map((r) => ({ label: String(r.year), value: r.fcf })), { label: "Free cash flow by year" });
    const cols = ["year", "revenue", "royalty", "opex", "capex", "tax", "fcf", "host_take"].filter((k) => k in run.cash_flows[0]);
    fillTable($("cf-table"), cols.map((k) => ({ key: k, header: k, num: k !== "year", format: k === "year" ? null : (v) => (v / 1e6).toFixed(1) })), run.cash_flows);
    tornadoChart($("tornado-chart"), sens.base_npv, sens.tornado);
    fillTable($("tornado-table"), [{ key: "factor" }, ...["low_npv", "high_npv", "swing"].map((k) => ({ key: k, num: true, format: (v) => (v / 1e6).toFixed(1) }))], sens.tornado);
    const rows = ["npv", "irr", "export_revenue", "jobs", "host_take"].map((k) => {
      const pick = (v) => (v && typeof v === "object") ? (v.total ?? v.operations) : v;
      const show = (v) => v === null || v === undefined ? "n/a" : (k === "irr" ? pct(v) : (k === "jobs" ? String(v) : money(v)));
      return { measure: k, a: show(pick(cmp.base[k])), b: show(pick(cmp.alternative[k])), d: show(pick(cmp.incremental[k])) };
    });
    fillTable($("compare-table"), [{ key: "measure" }, { key: "a", num: true }, { key: "b", num: true }, { key: "d", num: true }], rows);
    $("econ-status").textContent = "Done."; $("econ-status").dataset.done = "true";
  } catch (error) { $("econ-status").textContent = `Failed: ${error.message}`; }
}

$("econ-form").addEventListener("submit", evaluate);
$("cf-csv").addEventListener("click", () => downloadCsv("cash-flows.csv", tableRows($("cf-table"))));
evaluate();

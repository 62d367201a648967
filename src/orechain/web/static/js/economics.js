import { columnChart, tornadoChart } from "./charts.js";
import { api, downloadCsv, fillTable, tableRows } from "./common.js";
import { money, number, percent } from "./formatting.js";
import { label } from "./labels.js";
import { restore, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const millions = (v) => (v === null || v === undefined ? "–" : number(v / 1e6, 1));
// A tornado factor is a multiplier on an input: its label without the input's unit.
const factorLabel = (key) => label(key).replace(/ \[[^\]]*\]$/, "");
const COMPARE = { npv: "money", irr: "percent", export_revenue: "money", jobs: "number", host_take: "money" };

async function evaluate(event) {
  if (event) event.preventDefault();
  const a = $("project-a").value, b = $("project-b").value;
  setState({ a, b });
  $("econ-status").textContent = "Evaluating…";
  try {
    const [run, sens, cmp] = await Promise.all([
      api("/api/economics/run", { body: { name: b } }),
      api("/api/economics/sensitivity", { body: { name: b } }),
      api("/api/economics/compare", { body: { base: { name: a }, alternative: { name: b } } }),
    ]);
    const cur = run.currency;
    $("headline").textContent = `${run.project}: NPV at ${percent(run.discount_rate, 0)} ${money(run.npv, cur)}; IRR ${run.irr === null ? "undefined" : percent(run.irr)}; payback ${run.payback_years === null ? "none" : `${number(run.payback_years, 1)} years`}; peak funding ${money(run.peak_funding, cur)}.`;
    columnChart($("cashflow-chart"), run.cash_flows.map((r) => ({ label: String(r.year), value: r.fcf / 1e6 })), {
      label: "Free cash flow by year", format: (v) => number(v, 1), xTitle: "year", yTitle: `free cash flow [M ${cur}]`, unit: `M ${cur}`, source: "ILLUSTRATIVE project (ASSUMPTION)",
    });
    const cols = ["year", "revenue", "royalty", "opex", "capex", "tax", "fcf", "host_take"].filter((k) => k in run.cash_flows[0]);
    fillTable($("cf-table"), cols.map((k) => ({ key: k, num: true, format: k === "year" ? String : millions })), run.cash_flows);
    tornadoChart($("tornado-chart"), sens.base_npv / 1e6, sens.tornado.map((t) => ({ factor: factorLabel(t.factor), low: t.low_npv / 1e6, high: t.high_npv / 1e6 })), {
      label: "NPV sensitivity", format: (v) => number(v, 1), xTitle: `NPV [M ${cur}]`, lowLabel: "factor 20 % lower", highLabel: "factor 20 % higher", unit: `M ${cur}`,
    });
    fillTable($("tornado-table"), [{ key: "factor", format: factorLabel }, ...["low_npv", "high_npv", "swing"].map((k) => ({ key: k, num: true, format: millions }))], sens.tornado);
    const pick = (v) => ((v && typeof v === "object") ? (v.total ?? v.operations) : v);
    const show = (kind, v) => (kind === "money" ? money(v, cur) : kind === "percent" ? percent(v) : number(v));
    const rows = Object.entries(COMPARE).map(([k, kind]) => {
      const av = pick(cmp.base[k]), bv = pick(cmp.alternative[k]);
      const diff = av === null || av === undefined || bv === null || bv === undefined ? null : bv - av;
      return { measure: label(k), a: show(kind, av), b: show(kind, bv), d: kind === "percent" ? (diff === null ? "–" : `${number(100 * diff, 1)} pp`) : show(kind, diff) };
    });
    fillTable($("compare-table"), [{ key: "measure", header: "measure" }, { key: "a", header: "A", num: true }, { key: "b", header: "B", num: true }, { key: "d", header: "B − A", num: true }], rows);
    $("econ-status").textContent = "Done."; $("econ-status").dataset.done = "true";
  } catch (error) { $("econ-status").textContent = `Failed: ${error.message}`; }
}

restore($("project-a"), "a"); restore($("project-b"), "b");
$("econ-form").addEventListener("submit", evaluate);
$("cf-csv").addEventListener("click", () => downloadCsv("cash-flows.csv", tableRows($("cf-table"))));
evaluate();

import { api, fillTable, fmt, pct, sankeyChart, setToken, token } from "./common.js";
import { verifyEvent } from "./proofbox.js";

const $ = (id) => document.getElementById(id);
let lot = null;

$("token").value = token();
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault(); setToken($("token").value.trim());
  $("token-status").textContent = token() ? "Token set for this tab." : "No token.";
  if (lot) open(lot.lot_id);
});

async function search(event) {
  if (event) event.preventDefault();
  const page = await api(`/api/ledger/lots?limit=100&q=${encodeURIComponent($("lot-q").value)}`, { auth: true });
  $("lot-list").innerHTML = "";
  for (const item of page.items) {
    const li = document.createElement("li"); const b = document.createElement("button");
    b.type = "button"; b.textContent = `${item.lot_id} — ${item.product}`; b.dataset.lot = item.lot_id;
    b.addEventListener("click", () => open(item.lot_id)); li.appendChild(b); $("lot-list").appendChild(li);
  }
}

async function provenance(lotId) {
  if (!token()) {
    $("prov-status").textContent = "The provenance graph and mass balance are confidential: enter an auditor or operator token above.";
    $("provenance").innerHTML = ""; fillTable($("prov-table"), [], []);
    return null;
  }
  try {
    const graph = await api(`/api/ledger/lots/${encodeURIComponent(lotId)}/provenance`, { auth: true });
    const edges = [...graph.upstream, ...graph.downstream];
    $("prov-status").textContent = `${graph.lots.length} lots, ${edges.length} edges.`;
    sankeyChart($("provenance"), edges.map((e) => ({ source: e.parent, target: e.child, value: e.mass_t })), { label: `Provenance of ${lotId}`, height: 360 });
    fillTable($("prov-table"), [{ key: "parent" }, { key: "child" }, { key: "event_id" }, { key: "mass_t", num: true, format: (v) => fmt(v, 4) }], edges);
    return graph.lots.find((l) => l.lot_id === lotId);
  } catch (error) {
    $("prov-status").textContent = `${error.message}${error.status === 401 ? " — enter an auditor or operator token above." : ""}`;
    $("provenance").innerHTML = ""; fillTable($("prov-table"), [], []);
    return null;
  }
}

async function massbalance(event) {
  if (event) event.preventDefault();
  if (!lot || !lot.site_id) { $("massbalance").textContent = "Needs a token that may read this lot's site."; return; }
  try {
    const report = await api(`/api/ledger/sites/${encodeURIComponent(lot.site_id)}/massbalance?period=${encodeURIComponent($("mb-period").value)}`, { auth: true });
    $("massbalance").textContent = `${report.site_id}, ${report.period}: ${report.steps.length} steps; credits ${fmt(report.credits_t)} t, claimed ${fmt(report.claimed_t)} t, closing balance ${fmt(report.closing_balance_t)} t${report.overdraft_at ? `; OVERDRAWN after ${report.overdraft_at}` : ""}.`;
  } catch (error) { $("massbalance").textContent = error.message; }
}

async function open(lotId) {
  $("lot").hidden = false; $("lot-title").textContent = lotId;
  const [origin, rule, summary] = await Promise.all([
    api(`/api/ledger/lots/${encodeURIComponent(lotId)}/origin`, { auth: true }),
    api(`/api/ledger/lots/${encodeURIComponent(lotId)}/compliance?rule=dfars-2027`, { auth: true }),
    api(`/api/ledger/lots?q=${encodeURIComponent(lotId)}&limit=500`, { auth: true }),
  ]);
  lot = summary.items.find((l) => l.lot_id === lotId);
  const rows = Object.entries(origin.origin_shares).flatMap(([stage, shares]) => Object.entries(shares).map(([country, share]) => ({ stage, country, share })));
  fillTable($("origin-table"), [{ key: "stage" }, { key: "country" }, { key: "share", num: true, format: (v) => pct(v) }], rows);
  $("compliance").textContent = `${rule.passed ? "PASS" : "FAIL"}: ${rule.reason}`;
  $("compliance").className = rule.passed ? "ok" : "fail";
  $("proof-result").textContent = ""; $("proof-steps").textContent = "";
  const detail = await provenance(lotId);
  if (detail) lot = { ...lot, ...detail };
  $("massbalance").textContent = "";
}

$("verify").addEventListener("click", () => {
  if (lot && lot.events.length) verifyEvent(lot.events[0], $("proof-result"), $("proof-steps"));
});
$("lot-form").addEventListener("submit", search);
$("mb-form").addEventListener("submit", massbalance);
search();

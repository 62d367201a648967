import { sankeyChart } from "./charts.js";
import { SERVER_KEY } from "./anchor.js";
import { api, fillTable, setToken, token } from "./common.js";
import { number, percent } from "./formatting.js";
import { label } from "./labels.js";
import { verifyEvent } from "./proofbox.js";
import { getState, setState } from "./urlstate.js";

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
  setState({ q: $("lot-q").value });
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
    $("prov-status").textContent = "The provenance graph and mass balance are confidential: enter an auditor or operator token above (an administrator creates one with orechain token create --org ORG --role auditor).";
    $("provenance").innerHTML = ""; fillTable($("prov-table"), [], []);
    return null;
  }
  try {
    const graph = await api(`/api/ledger/lots/${encodeURIComponent(lotId)}/provenance`, { auth: true });
    const edges = [...graph.upstream, ...graph.downstream];
    $("prov-status").textContent = `${graph.lots.length} lots, ${edges.length} edges.`;
    sankeyChart($("provenance"), edges.map((e) => ({ source: e.parent, target: e.child, value: e.mass_t })), { label: `Provenance of ${lotId}`, height: 360 });
    fillTable($("prov-table"), [{ key: "parent" }, { key: "child" }, { key: "event_id" }, { key: "mass_t", num: true, format: (v) => number(v) }], edges);
    return graph.lots.find((l) => l.lot_id === lotId);
  } catch (error) {
    $("prov-status").textContent = `${error.message}${error.status === 401 ? " — enter an auditor or operator token above." : ""}`;
    $("provenance").innerHTML = ""; fillTable($("prov-table"), [], []);
    return null;
  }
}

async function massbalance(event) {
  if (event) event.preventDefault();
  if (!lot || !lot.site_id) { $("massbalance").textContent = "The mass balance is confidential: it needs a token that may read this lot's site (see above for how to get one)."; return; }
  try {
    const report = await api(`/api/ledger/sites/${encodeURIComponent(lot.site_id)}/massbalance?period=${encodeURIComponent($("mb-period").value)}`, { auth: true });
    $("massbalance").textContent = `${report.site_id}, ${report.period}: ${report.steps.length} steps; credits ${number(report.credits_t)} t, claimed ${number(report.claimed_t)} t, closing balance ${number(report.closing_balance_t)} t${report.overdraft_at ? `; OVERDRAWN after ${report.overdraft_at}` : ""}.`;
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
  setState({ lot: lotId });
  const rows = Object.entries(origin.origin_shares).flatMap(([stage, shares]) => Object.entries(shares).map(([country, share]) => ({ stage, country, share })));
  fillTable($("origin-table"), [{ key: "stage", format: (v) => label(v) }, { key: "country" }, { key: "share", num: true, format: (v) => percent(v) }], rows);
  $("compliance").textContent = `${rule.passed ? "PASS" : "FAIL"}: ${rule.reason}`;
  $("compliance").className = rule.passed ? "ok" : "fail";
  $("proof-result").textContent = ""; $("proof-steps").textContent = "";
  $("verify-own-key").href = `/transparency?event=${encodeURIComponent(lot && lot.events.length ? lot.events[0] : "0")}#h-proof`;
  publicRecord(lot).catch((error) => { $("checkpoint-summary").textContent = error.message; });
  const detail = await provenance(lotId);
  if (detail) lot = { ...lot, ...detail };
  $("massbalance").textContent = "";
}

// The public record: what anyone may see of a lot, its event hashes and the signed checkpoint.
async function publicRecord(found) {
  if (!found) return;
  $("public-summary").textContent = `${found.product} (${label(found.commodity)}), ${found.status}, created ${found.created_at.slice(0, 10)}; ${found.events.length} events.`;
  const head = await api("/api/transparency");
  const bundles = await Promise.all(found.events.map((e) => api(`/api/transparency/proofs/inclusion/${encodeURIComponent(e)}`)));
  const body = $("events-table").tBodies[0]; body.innerHTML = "";
  for (const b of bundles) {
    const tr = body.insertRow();
    tr.insertCell().textContent = b.event_id;
    const i = tr.insertCell(); i.className = "num"; i.textContent = number(b.leaf_index);
    const h = tr.insertCell(); const code = document.createElement("code"); code.className = "hash"; code.textContent = b.leaf_hash; h.appendChild(code);
  }
  $("checkpoint-summary").textContent = `Signed checkpoint of log ${head.origin}: ${number(head.tree_size)} events. “Verify in the browser” checks the first event's Merkle path and the Ed25519 signature.`;
}

// This page has no key box: it trusts the server's published key and says so; the
// Transparency page link checks the same event against a key and policy from elsewhere.
$("verify").addEventListener("click", async () => {
  if (!lot || !lot.events.length) return;
  const head = await api("/api/transparency");
  verifyEvent(lot.events[0], { vkey: head.vkey, keySource: SERVER_KEY, policy: null }, $("proof-result"), $("proof-steps"));
});
$("lot-form").addEventListener("submit", search);
$("mb-form").addEventListener("submit", massbalance);
const shared = getState("lot", "");
if (shared) $("lot-q").value = getState("q", shared);
search().then(() => { if (shared) open(shared); });

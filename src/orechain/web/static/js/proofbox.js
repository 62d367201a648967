// Fetch an event's inclusion proof from the public API and verify it in the page against the
// trust anchor the caller brings (anchor.js): the visitor's verifier key and witness policy,
// never the key the server serves alongside the proof. Shared by Ledger and Transparency.
import { checkCheckpoint, describeTrust } from "./anchor.js";
import { api } from "./common.js";
import { checkExtends } from "./seen.js";
import { verifyInclusionBundle } from "./verify.js";

// The checkpoint to check: with a policy, the published one (GET /checkpoint carries the
// witnesses' cosignatures) when it is the tree the proof is for, else the proof's own.
async function checkpointFor(bundle, anchor) {
  if (!anchor.policy) return bundle.checkpoint;
  const response = await fetch("/checkpoint");
  const published = response.ok ? await response.text() : "";
  const body = (note) => note.split("\n\n")[0];
  return published && body(published) === body(bundle.checkpoint) ? published : bundle.checkpoint;
}

// anchor: {vkey, keySource, policy: null | {text, source}} (see anchor.js).
export async function verifyEvent(ref, anchor, resultEl, stepsEl) {
  resultEl.textContent = "Verifying…"; resultEl.className = ""; stepsEl.textContent = "";
  delete resultEl.dataset.verified;
  const steps = [];
  try {
    const bundle = await api(`/api/transparency/proofs/inclusion/${encodeURIComponent(ref)}`, { auth: true });
    const note = await checkpointFor(bundle, anchor);
    const checked = await checkCheckpoint(note, anchor);
    steps.push(`Checkpoint ${describeTrust(anchor, checked)}.`);
    const outcome = await verifyInclusionBundle(bundle, anchor.vkey, note);
    steps.push(...outcome.steps.slice(1));
    steps.push(await checkExtends(checked.cp, anchor.vkey));
    resultEl.textContent = `Verified: event ${bundle.event_id} is in the log at size ${checked.cp.treeSize}, under a checkpoint ${describeTrust(anchor, checked)}.`;
    resultEl.className = "ok"; resultEl.dataset.verified = "true";
    return outcome;
  } catch (error) {
    const policy = anchor.policy ? `the ${anchor.policy.source}` : "no witness policy";
    resultEl.textContent = `Verification FAILED (${anchor.keySource}; ${policy}): ${error.message}`;
    resultEl.className = "fail"; resultEl.dataset.verified = "false";
    return null;
  } finally {
    stepsEl.textContent = steps.join("\n");
  }
}

// Fetch a proof from the public API and verify it in the page; shared by Ledger and Transparency.
import { api } from "./common.js";
import { verifyInclusionBundle } from "./verify.js";

export async function verifyEvent(ref, resultEl, stepsEl) {
  resultEl.textContent = "Verifying…"; resultEl.className = ""; stepsEl.textContent = "";
  try {
    const head = await api("/api/transparency");
    const bundle = await api(`/api/transparency/proofs/inclusion/${encodeURIComponent(ref)}`, { auth: true });
    const outcome = await verifyInclusionBundle(bundle, head.vkey, head.checkpoint);
    resultEl.textContent = `Verified: event ${bundle.event_id} is in the log under the latest signed checkpoint.`;
    resultEl.className = "ok"; resultEl.dataset.verified = "true";
    stepsEl.textContent = outcome.steps.join("\n");
    return outcome;
  } catch (error) {
    resultEl.textContent = `Verification FAILED: ${error.message}`; resultEl.className = "fail";
    resultEl.dataset.verified = "false";
    return null;
  }
}

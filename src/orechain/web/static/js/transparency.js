import { PASTED_KEY, SERVER_KEY, checkCheckpoint } from "./anchor.js";
import { number } from "./formatting.js";
import { verifyEvent } from "./proofbox.js";
import { verifyPack } from "./packverify.js";
import { forget, remembered } from "./seen.js";
import { getState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const serverKey = $("server-vkey").textContent.trim();
const serverCheckpoint = $("checkpoint").value;

// Say whether the pasted key is the server's: a sceptic checks against a key from elsewhere.
function keyStatus() {
  const same = $("vkey").value.trim() === serverKey;
  $("key-status").textContent = same ? "This is the server's key." : "This key DIFFERS from the server's key: the check below uses yours.";
  $("key-status").className = same ? "muted" : "fail";
  $("key-status").dataset.differs = String(!same);
}

// Say whether the policy is the server's own: a sceptic pastes one from elsewhere.
const serverPolicy = $("server-policy").textContent.trim();
function policyStatus() {
  const text = $("policy").value.trim(), same = text === serverPolicy;
  $("policy-status").textContent = !text ? "No witness policy: the pack's checkpoint is accepted on the log's signature alone."
    : same ? "This is the server's published policy (a sceptic pastes one from elsewhere)." : "Your pasted policy: the check below uses it.";
  $("policy-status").dataset.source = !text ? "none" : same ? "server" : "pasted";
}
$("policy").addEventListener("input", policyStatus);
policyStatus();
// The policy in the box, labelled with where it came from, or null for none.
function currentPolicy() {
  const text = $("policy").value.trim();
  return text ? { text, source: text === serverPolicy ? "server's published policy" : "pasted policy" } : null;
}
$("vkey").addEventListener("input", keyStatus);
$("reset-key").addEventListener("click", () => { $("vkey").value = serverKey; $("checkpoint").value = serverCheckpoint; keyStatus(); seenStatus(); });
// The key and policy in the boxes, each labelled with where it came from.
function currentAnchor() {
  const vkey = $("vkey").value.trim();
  return { vkey, keySource: vkey === serverKey ? SERVER_KEY : PASTED_KEY, policy: currentPolicy() };
}
// The checkpoint is accepted only with the witness quorum when a policy is given (issue 17).
$("check-sig").addEventListener("click", async () => {
  try {
    const anchor = currentAnchor(), checked = await checkCheckpoint($("checkpoint").value, anchor);
    let text = `Valid Ed25519 signature by ${checked.cp.origin} over tree size ${number(checked.cp.treeSize)}.`;
    text += anchor.policy ? ` Witness quorum '${checked.quorum}' of the ${anchor.policy.source} met: cosigned by ${checked.signed.join(", ") || "none needed"}.`
      : " No witness policy: accepted on the log's signature alone.";
    $("sig-result").textContent = text;
    $("sig-result").className = "ok";
  } catch (error) {
    $("sig-result").textContent = `Invalid: ${error.message}`;
    $("sig-result").className = "fail";
  }
});
// What this browser remembers of the log under the key in the box (seen.js).
function seenStatus() {
  const seen = remembered(origin, $("vkey").value);
  $("seen-status").textContent = seen ? `This browser remembers the checkpoint at size ${number(seen.size)} it verified on ${seen.at.slice(0, 10)}; a later one must extend it.`
    : "This browser remembers no checkpoint of this log under this key yet.";
  $("forget-seen").hidden = !seen;
}
const origin = $("h-proof").closest("section").dataset.origin;
$("vkey").addEventListener("input", seenStatus);
$("forget-seen").addEventListener("click", () => { forget(origin, $("vkey").value); seenStatus(); });
seenStatus();
$("event-ref").value = getState("event", $("event-ref").value);
$("proof-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  await verifyEvent($("event-ref").value.trim(), currentAnchor(), $("proof-result"), $("proof-steps"));
  seenStatus();
});
async function checkPack(file) {
  $("pack-result").textContent = "Verifying…"; $("pack-result").className = ""; $("pack-steps").textContent = "";
  delete $("pack-result").dataset.verified;
  const outcome = await verifyPack(await file.arrayBuffer(), $("vkey").value.trim(), currentPolicy());
  $("pack-result").textContent = outcome.ok ? `Verified: evidence pack of lot ${outcome.lot}.` : `Verification FAILED: ${outcome.error}`;
  $("pack-result").className = outcome.ok ? "ok" : "fail";
  $("pack-result").dataset.verified = String(outcome.ok);
  $("pack-steps").textContent = outcome.steps.join("\n");
}
$("pack-file").addEventListener("change", (event) => { if (event.target.files[0]) checkPack(event.target.files[0]); });
const drop = $("h-pack").parentElement;
drop.addEventListener("dragover", (event) => event.preventDefault());
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  if (event.dataTransfer.files[0]) checkPack(event.dataTransfer.files[0]);
});

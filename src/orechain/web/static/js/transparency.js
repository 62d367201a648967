import { number } from "./formatting.js";
import { verifyEvent } from "./proofbox.js";
import { checkQuorum, parsePolicy, verifyPack } from "./packverify.js";
import { verifyCheckpoint } from "./verify.js";

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
$("reset-key").addEventListener("click", () => { $("vkey").value = serverKey; $("checkpoint").value = serverCheckpoint; keyStatus(); });
// The checkpoint is accepted only with the witness quorum when a policy is given (issue 17).
$("check-sig").addEventListener("click", async () => {
  try {
    const note = $("checkpoint").value.replace(/\r\n/g, "\n");
    const cp = await verifyCheckpoint(note, $("vkey").value.trim());
    let text = `Valid Ed25519 signature by ${cp.origin} over tree size ${number(cp.treeSize)}.`;
    const policy = currentPolicy();
    if (policy) {
      const pol = parsePolicy(policy.text.replace(/\r\n/g, "\n"));
      const signed = await checkQuorum(note, pol);
      text += ` Witness quorum '${pol.quorum}' of the ${policy.source} met: cosigned by ${signed.join(", ") || "none needed"}.`;
    } else {
      text += " No witness policy: accepted on the log's signature alone.";
    }
    $("sig-result").textContent = text;
    $("sig-result").className = "ok";
  } catch (error) {
    $("sig-result").textContent = `Invalid: ${error.message}`;
    $("sig-result").className = "fail";
  }
});
$("proof-form").addEventListener("submit", (event) => {
  event.preventDefault(); verifyEvent($("event-ref").value.trim(), $("proof-result"), $("proof-steps"));
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

import { number } from "./formatting.js";
import { verifyEvent } from "./proofbox.js";
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

$("vkey").addEventListener("input", keyStatus);
$("reset-key").addEventListener("click", () => { $("vkey").value = serverKey; $("checkpoint").value = serverCheckpoint; keyStatus(); });
$("check-sig").addEventListener("click", async () => {
  try {
    const cp = await verifyCheckpoint($("checkpoint").value.replace(/\r\n/g, "\n"), $("vkey").value.trim());
    $("sig-result").textContent = `Valid Ed25519 signature by ${cp.origin} over tree size ${number(cp.treeSize)}.`;
    $("sig-result").className = "ok";
  } catch (error) { $("sig-result").textContent = `Invalid: ${error.message}`; $("sig-result").className = "fail"; }
});
$("proof-form").addEventListener("submit", (event) => {
  event.preventDefault(); verifyEvent($("event-ref").value.trim(), $("proof-result"), $("proof-steps"));
});

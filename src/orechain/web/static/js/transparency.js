import { verifyEvent } from "./proofbox.js";
import { verifyCheckpoint } from "./verify.js";

const $ = (id) => document.getElementById(id);
$("check-sig").addEventListener("click", async () => {
  try {
    const cp = await verifyCheckpoint($("checkpoint").textContent, $("vkey").textContent);
    $("sig-result").textContent = `Valid Ed25519 signature by ${cp.origin} over tree size ${cp.treeSize}.`;
    $("sig-result").className = "ok";
  } catch (error) { $("sig-result").textContent = `Invalid: ${error.message}`; $("sig-result").className = "fail"; }
});
$("proof-form").addEventListener("submit", (event) => {
  event.preventDefault(); verifyEvent($("event-ref").value.trim(), $("proof-result"), $("proof-steps"));
});

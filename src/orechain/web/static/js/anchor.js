// The trust anchor a visitor brings: a verifier key and, optionally, a witness policy.
// A checkpoint counts only if that key signed it and, with a policy, the quorum cosigned it;
// the checkpoint box and the single-event proof box share this rule.
import { checkQuorum, parsePolicy } from "./packverify.js";
import { verifyCheckpoint } from "./verify.js";

export const PASTED_KEY = "your pasted key";
export const SERVER_KEY = "the server's published key — a sceptic pastes one from elsewhere";

// anchor: {vkey, keySource, policy: null | {text, source}}. Returns the checkpoint and,
// with a policy, its quorum and the witnesses that cosigned; throws with the reason.
export async function checkCheckpoint(note, anchor) {
  const text = note.replace(/\r\n/g, "\n");
  const cp = await verifyCheckpoint(text, anchor.vkey);
  if (!anchor.policy) return { cp, quorum: null, signed: [] };
  let pol;
  try { pol = parsePolicy(anchor.policy.text.replace(/\r\n/g, "\n")); } catch (e) { throw new Error(`witness policy: ${e.message}`); }
  return { cp, quorum: pol.quorum, signed: await checkQuorum(text, pol) };
}

// One sentence on what a verified checkpoint was accepted under.
export function describeTrust(anchor, checked) {
  const key = `signed with ${anchor.keySource}`;
  if (!anchor.policy) return `${key}; no witness policy, so the log's signature alone`;
  return `${key}; witness quorum '${checked.quorum}' of the ${anchor.policy.source} met: cosigned by ${checked.signed.join(", ") || "none needed"}`;
}

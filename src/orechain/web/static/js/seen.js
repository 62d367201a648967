// What this browser verified before: the last checkpoint per log and verifier key, kept in
// localStorage. A later checkpoint must extend it: a smaller tree is a rollback; the same
// size with another root, or a larger tree the log cannot prove consistent with it
// (RFC 9162 §2.1.4, GET /api/transparency/proofs/consistency), is a fork or split view.
import { api } from "./common.js";
import { b64, hex, verifyConsistency } from "./verify.js";

const PREFIX = "orechain.verified-checkpoint:";
// name+keyhash identifies the key; the memory is only as good as the key that vouched for it.
const slot = (origin, vkey) => `${PREFIX}${origin} ${vkey.trim().split("+").slice(0, 2).join("+")}`;
const toB64 = (bytes) => btoa(String.fromCharCode(...bytes));

function storage() {
  try { return window.localStorage; } catch { return null; }  // blocked storage: no memory
}

export function remembered(origin, vkey) {
  try { return JSON.parse(storage()?.getItem(slot(origin, vkey)) || "null"); } catch { return null; }
}

export function forget(origin, vkey) { storage()?.removeItem(slot(origin, vkey)); }

function remember(cp, vkey) {
  const record = { size: cp.treeSize, root: toB64(cp.rootHash), at: new Date().toISOString() };
  try { storage()?.setItem(slot(cp.origin, vkey), JSON.stringify(record)); } catch { /* quota: keep the old one */ }
}

// Check cp (already verified under vkey) against the remembered one, then remember cp.
// Returns a step for the log of the check; throws when cp does not extend what was seen.
export async function checkExtends(cp, vkey) {
  if (!storage()) return "This browser keeps no memory of checkpoints (storage blocked): no rollback check.";
  const seen = remembered(cp.origin, vkey);
  let step = `First checkpoint of ${cp.origin} this browser verified under this key: remembered for the next check.`;
  if (seen) {
    const when = `the checkpoint at size ${seen.size} this browser verified on ${seen.at.slice(0, 10)}`;
    if (cp.treeSize < seen.size) throw new Error(`rollback: the tree has ${cp.treeSize} entries, fewer than ${when}`);
    const oldRoot = b64(seen.root);
    if (cp.treeSize === seen.size) {
      if (hex(oldRoot) !== hex(cp.rootHash)) throw new Error(`fork or split view: another root for ${when}`);
      step = `Same tree as ${when}.`;
    } else {
      let proof;
      try { proof = await api(`/api/transparency/proofs/consistency?old_size=${seen.size}&new_size=${cp.treeSize}`); } catch (e) {
        throw new Error(`the log gave no consistency proof from ${when} to size ${cp.treeSize} (${e.message})`);
      }
      // Only the path is taken from the server; both roots are ones this browser verified.
      if (!(await verifyConsistency(seen.size, cp.treeSize, oldRoot, cp.rootHash, (proof.consistency_path || []).map(b64)))) {
        throw new Error(`fork or split view: the tree at size ${cp.treeSize} is not consistent with ${when}`);
      }
      step = `Consistency proof verified (RFC 9162): size ${cp.treeSize} extends ${when}.`;
    }
  }
  remember(cp, vkey);
  return step;
}

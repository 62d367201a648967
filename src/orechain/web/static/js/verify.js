// Offline verification in the browser, as orechain.ledger.verify does in Python:
// RFC 9162 §2.1.3.2 inclusion proofs with SHA-256 (WebCrypto) and C2SP signed-note
// checkpoints signed with Ed25519 (WebCrypto, or the vendored @noble/ed25519 fallback).
const enc = new TextEncoder();

export const b64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
export const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const buf = new Uint8Array(total); let at = 0;
  for (const p of parts) { buf.set(p, at); at += p.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
}

export const leafHash = (data) => sha256(Uint8Array.of(0), data);
const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

export async function rootFromInclusion(leaf, index, size, path) {
  if (index >= size) throw new Error(`leaf index ${index} is outside a tree of size ${size}`);
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) throw new Error("inclusion path is longer than the tree is deep");
    if ((fn & 1) === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1) === 0) { while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1; sn >>= 1;
  }
  if (sn !== 0) throw new Error("inclusion path is shorter than the tree is deep");
  return r;
}

// RFC 9162 §2.1.4.2, as orechain.ledger.merkle.verify_consistency: does the tree of newSize
// leaves with newRoot extend the tree of oldSize leaves with oldRoot? Equal sizes need equal roots.
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (oldSize === newSize && oldSize > 0) return proof.length === 0 && equal(oldRoot, newRoot);
  if (!(oldSize > 0 && oldSize < newSize) || !proof.length) return false;
  const path = 2 ** Math.round(Math.log2(oldSize)) === oldSize ? [oldRoot, ...proof] : [...proof];  // no 32-bit &
  let fn = oldSize - 1, sn = newSize - 1;
  while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = await nodeHash(c, fr); sr = await nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(fr, oldRoot) && equal(sr, newRoot);
}

export function parseVkey(vkey) {
  const text = vkey.trim(), a = text.indexOf("+"), b = text.indexOf("+", a + 1);  // base64 may hold "+"
  const [name, keyHashHex, blob] = [text.slice(0, a), text.slice(a + 1, b), text.slice(b + 1)];
  const raw = b64(blob);
  if (raw[0] !== 1 || raw.length !== 33) throw new Error("not an Ed25519 signed-note verifier key");
  return { name, keyHashHex, publicKey: raw.slice(1) };
}

async function ed25519Verify(publicKey, signature, message) {
  try {
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  } catch (error) {
    if (error && error.name === "NotSupportedError") {
      const ed = await import("/static/vendor/noble-ed25519-2.3.0.js");
      return ed.verifyAsync(signature, message, publicKey);
    }
    throw error;
  }
}

export async function verifyCheckpoint(note, vkey) {
  const { name, keyHashHex, publicKey } = parseVkey(vkey);
  const keyHash = (await sha256(enc.encode(name + "\n"), Uint8Array.of(1), publicKey)).slice(0, 4);
  if (hex(keyHash) !== keyHashHex) throw new Error("verifier key hash does not match its key");
  const split = note.indexOf("\n\n");
  if (split < 0) throw new Error("checkpoint has no signature block");
  const body = note.slice(0, split + 1);
  const [origin, size, root] = body.split("\n");
  for (const line of note.slice(split + 2).split("\n").filter(Boolean)) {
    const [dash, sigName, blob] = line.split(" ");
    if (dash !== "\u2014" || sigName !== name) continue;
    const raw = b64(blob);
    if (!equal(raw.slice(0, 4), keyHash)) continue;
    if (await ed25519Verify(publicKey, raw.slice(4), enc.encode(body))) {
      return { origin, treeSize: Number(size), rootHash: b64(root) };
    }
  }
  throw new Error(`no valid signature by ${name} on the checkpoint`);
}

export async function verifyInclusionBundle(bundle, vkey, trustedCheckpoint = null) {
  const steps = [];
  const cp = await verifyCheckpoint(trustedCheckpoint || bundle.checkpoint, vkey);
  steps.push(`Checkpoint signature by ${cp.origin}: valid (Ed25519), tree size ${cp.treeSize}, root ${hex(cp.rootHash)}`);
  if (cp.origin !== bundle.origin || cp.treeSize !== bundle.tree_size) throw new Error("the bundle does not match the checkpoint");
  let leaf = bundle.leaf_hash ? b64(bundle.leaf_hash) : null;
  if (bundle.envelope !== null && bundle.envelope !== undefined) {
    const computed = await leafHash(enc.encode(bundle.envelope));
    if (leaf && !equal(leaf, computed)) throw new Error("the envelope does not hash to the leaf hash");
    leaf = computed;
    steps.push(`Leaf hash SHA-256(0x00 ‖ envelope) = ${hex(leaf)}`);
  } else {
    steps.push(`Leaf hash (envelope withheld from this reader) = ${hex(leaf)}`);
  }
  const root = await rootFromInclusion(leaf, bundle.leaf_index, cp.treeSize, bundle.inclusion_path.map(b64));
  steps.push(`Root recomputed from ${bundle.inclusion_path.length} sibling hashes = ${hex(root)}`);
  if (!equal(root, cp.rootHash)) throw new Error("the recomputed root differs from the signed root");
  steps.push(`Event ${bundle.event_id} is leaf ${bundle.leaf_index} of the signed tree.`);
  return { ok: true, steps, checkpoint: cp };
}

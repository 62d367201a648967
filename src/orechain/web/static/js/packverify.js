// Verify an evidence pack (`orechain ledger pack`) in the browser, as
// orechain.ledger.pack.verify_pack does in Python: the checkpoint signature, every
// inclusion proof, who signed each event (replaying key registrations at the log's
// receipt times), keys.json and every document's SHA-256; with a tlog-policy, the
// witness quorum's cosignatures on the checkpoint, as
// orechain.transparency.policy.verify_with_policy does. Nothing leaves the page.
import { b64, hex, leafHash, rootFromInclusion, verifyCheckpoint } from "./verify.js";

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
const SIGNING_CONTEXT = "orechain/ledger/event/v2\n";
const KEY_EVENTS = new Set(["register-org", "rotate-key", "revoke-key"]);
const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const sha256 = async (data) => new Uint8Array(await crypto.subtle.digest("SHA-256", data));

class PackError extends Error {}
const fail = (member, reason) => { throw new PackError(`${member}: ${reason}`); };

async function inflate(data) {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Members of a zip file (stored or deflated), read through its central directory.
export async function unzip(buffer) {
  const view = new DataView(buffer), bytes = new Uint8Array(buffer);
  let eocd = bytes.length - 22;
  while (eocd >= 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd -= 1;
  if (eocd < 0) fail("pack", "not a zip file");
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const members = new Map();
  for (let i = 0; i < count; i += 1) {
    if (view.getUint32(at, true) !== 0x02014b50) fail("pack", "damaged zip directory");
    const method = view.getUint16(at + 10, true), size = view.getUint32(at + 20, true);
    const nameLen = view.getUint16(at + 28, true), extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true), local = view.getUint32(at + 42, true);
    const name = dec.decode(bytes.subarray(at + 46, at + 46 + nameLen));
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = bytes.slice(start, start + size);
    members.set(name, method === 8 ? await inflate(raw) : raw);
    at += 46 + nameLen + extra + comment;
  }
  return members;
}

const read = (m, name) => m.get(name) || fail(name, "missing from the pack");
function readJson(m, name) {
  try { return JSON.parse(dec.decode(read(m, name))); } catch (e) {
    if (e instanceof PackError) throw e;
    return fail(name, "not valid JSON");
  }
}

// The signed message: context + the leaf without the log's stamp and the signature,
// which sort last in RFC 8785 order (orechain.ledger.envelope._leaf).
function signedMessage(text) {
  let unsigned = text.slice(0, text.lastIndexOf(',"signature":'));
  const stamp = unsigned.lastIndexOf(',"received_at":');
  if (stamp >= 0 && !unsigned.slice(stamp).includes("}")) unsigned = unsigned.slice(0, stamp);
  return enc.encode(SIGNING_CONTEXT + unsigned + "}");
}

async function ed25519(publicKey, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

async function keyId(publicKey) { return hex((await sha256(publicKey)).slice(0, 8)); }

// Keys by org: key id -> {public, from, until, revoked}; times are RFC 3339 UTC strings.
async function applyKeyEvent(orgs, e, received) {
  if (e.type === "revoke-key") {
    const rec = (orgs.get(e.org_id) || new Map()).get(e.key_id);
    if (rec) rec.revoked = e.revoked_at || received;
    return;
  }
  const pub = b64(e.public_key);
  if (!orgs.has(e.org_id)) orgs.set(e.org_id, new Map());
  orgs.get(e.org_id).set(await keyId(pub), { public: pub, from: received, until: e.valid_until || null, revoked: null });
}

async function checkSigner(orgs, env, text, name, first) {
  const e = env.event, received = env.received_at;
  let pub;
  if (first) {
    if (e.type !== "register-org" || e.actor !== e.org_id) fail(name, "the pack must start with the log's genesis registration");
    pub = b64(e.public_key);
    if (await keyId(pub) !== env.key_id) fail(name, "genesis key id does not match the registered key");
  } else {
    const rec = (orgs.get(e.actor) || new Map()).get(env.key_id);
    if (!rec) fail(name, `key ${env.key_id} is not a key of ${e.actor} in this pack`);
    if (received < rec.from || (rec.until && received >= rec.until) || (rec.revoked && received >= rec.revoked)) {
      fail(name, `key ${env.key_id} of ${e.actor} was not valid when the log received the event`);
    }
    pub = rec.public;
  }
  if (!(await ed25519(pub, b64(env.signature), signedMessage(text)))) fail(name, `bad signature on ${e.event_id}`);
}

async function checkDocuments(m, manifest, envs) {
  const listed = new Map((manifest.documents || []).map((d) => [d.sha256, d]));
  let included = 0;
  for (const env of envs) {
    for (const d of env.event.documents || []) {
      const name = `documents/${d.sha256}`;
      if (m.has(name)) {
        if (hex(await sha256(m.get(name))) !== d.sha256) fail(name, `content does not hash to the value ${env.event.event_id} signed`);
      } else if ((listed.get(d.sha256) || {}).status !== "withheld") {
        fail(name, `referenced by ${env.event.event_id}, neither included nor listed withheld`);
      }
    }
  }
  for (const [name, data] of m) {
    if (!name.startsWith("documents/")) continue;
    if (hex(await sha256(data)) !== name.slice(10)) fail(name, "content does not hash to its name");
    included += 1;
  }
  return included;
}

// name+keyid+base64: the base64 may itself hold "+", so split at the first two only.
function splitVkey(vkey) {
  const a = vkey.indexOf("+"), b = vkey.indexOf("+", a + 1);
  return a < 0 || b < 0 ? [] : [vkey.slice(0, a), vkey.slice(a + 1, b), vkey.slice(b + 1)];
}

// C2SP tlog-policy: log, witness, group and quorum lines (orechain.transparency.policy).
export class PolicyError extends Error {}
export function parsePolicy(text) {
  const pol = { logs: [], witnesses: new Map(), groups: new Map(), quorum: null };
  const defined = (n) => pol.witnesses.has(n) || pol.groups.has(n) || n === "none";
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim(), row = i + 1;
    if (!line || line.startsWith("#")) return;
    const [kw, ...args] = line.split(/[ \t]+/);
    const bad = (reason) => { throw new PolicyError(`policy line ${row}: ${reason}`); };
    if (kw === "log" && (args.length === 1 || args.length === 2)) pol.logs.push(args[0]);
    else if (kw === "witness" && (args.length === 2 || args.length === 3)) {
      if (defined(args[0])) bad(`name ${args[0]} is already defined`);
      const [name, keyId, blob] = splitVkey(args[1]);
      let raw; try { raw = b64(blob || ""); } catch { raw = new Uint8Array(); }
      if (!name || !keyId) bad(`witness key of ${args[0]} is not name+keyid+key`);
      if (raw.length !== 33 || raw[0] !== 4) bad(`witness key of ${args[0]} is not an Ed25519 cosignature/v1 key (type 0x04)`);
      pol.witnesses.set(args[0], { keyName: name, keyIdHex: keyId, publicKey: raw.slice(1) });
    } else if (kw === "group" && args.length >= 3) {
      const [name, k, ...members] = args;
      if (defined(name)) bad(`name ${name} is already defined`);
      for (const m of members) if (!defined(m) || m === "none") bad(`group member ${m} is not defined on a preceding line`);
      const need = k === "all" ? members.length : k === "any" ? 1 : /^[1-9][0-9]*$/.test(k) ? Number(k) : 0;
      if (need < 1 || need > members.length) bad(`threshold ${k} must be all, any or 1..${members.length}`);
      pol.groups.set(name, { need, members });
    } else if (kw === "quorum" && args.length === 1) {
      if (pol.quorum !== null) bad("a policy has exactly one quorum line");
      if (!defined(args[0])) bad(`quorum names undefined ${args[0]}`);
      pol.quorum = args[0];
    } else bad(`cannot read policy line "${line}"`);
  });
  if (pol.quorum === null) throw new PolicyError("policy has no quorum line");
  if (!pol.logs.length) throw new PolicyError("policy lists no log");
  return pol;
}

function witnessed(pol, signed, name = pol.quorum) {
  if (name === "none") return true;
  if (pol.witnesses.has(name)) return signed.has(name);
  const g = pol.groups.get(name);
  return g.members.filter((m) => witnessed(pol, signed, m)).length >= g.need;
}

// C2SP tlog-cosignature cosignature/v1: key ID = SHA-256(name \n 0x04 key)[:4], the line's
// blob = key ID || timestamp (u64 BE) || Ed25519 over "cosignature/v1\ntime <t>\n" + body.
async function cosignedBy(note, name, w) {
  const kid = (await sha256(new Uint8Array([...enc.encode(`${w.keyName}\n`), 4, ...w.publicKey]))).slice(0, 4);
  if (hex(kid) !== w.keyIdHex) throw new PolicyError(`witness key of ${name} has a wrong key ID`);
  const split = note.indexOf("\n\n"), body = note.slice(0, split + 1);
  let found = false;
  for (const line of note.slice(split + 2).split("\n").filter(Boolean)) {
    const [dash, sigName, blob] = line.split(" ");
    if (dash !== "\u2014" || sigName !== w.keyName) continue;
    const raw = b64(blob);
    if (!equal(raw.slice(0, 4), kid)) continue;
    if (raw.length !== 76) throw new QuorumError(`cosignature of ${w.keyName} has ${raw.length - 4} bytes, expected 72`);
    const t = new DataView(raw.buffer, raw.byteOffset + 4, 8).getBigUint64(0);
    const message = enc.encode(`cosignature/v1\ntime ${t}\n${body}`);
    if (!(await ed25519(w.publicKey, raw.slice(12), message))) throw new QuorumError(`cosignature of ${w.keyName} does not verify`);
    found = true;
  }
  return found;
}

// Why a checkpoint fails a policy (the caller names where the checkpoint came from).
export class QuorumError extends Error {}

// Accept the checkpoint only if a log of the policy signed it and the quorum cosigned it.
// Throws QuorumError, or PolicyError for a witness key the policy itself gets wrong.
export async function checkQuorum(note, pol) {
  let cp = null;
  for (const logKey of pol.logs) {
    try { cp = await verifyCheckpoint(note, logKey); break; } catch { /* try the next log */ }
  }
  if (cp === null) throw new QuorumError("checkpoint is not signed by any log of the policy");
  const signed = [];
  for (const [name, w] of pol.witnesses) if (await cosignedBy(note, name, w)) signed.push(name);
  if (!witnessed(pol, new Set(signed))) {
    throw new QuorumError(`checkpoint at size ${cp.treeSize} lacks the witness quorum '${pol.quorum}' (cosigned by: ${signed.join(", ") || "none"})`);
  }
  return signed;
}

// policy: null (the log's signature alone) or {text, source} with source naming where it came from.
export async function verifyPack(buffer, vkey, policy = null) {
  const steps = [];
  try {
    const m = await unzip(buffer);
    const manifest = readJson(m, "manifest.json");
    if (manifest.kind !== "orechain-evidence-pack/v1") fail("manifest.json", "not an OreChain evidence pack");
    let cp;
    try { cp = await verifyCheckpoint(dec.decode(read(m, "checkpoint.txt")), vkey); } catch (e) {
      if (e instanceof PackError) throw e;
      fail("checkpoint.txt", e.message);
    }
    steps.push(`Checkpoint signed by ${cp.origin}, tree size ${cp.treeSize}, root ${hex(cp.rootHash)}`);
    if (policy) {
      let pol;
      try { pol = parsePolicy(policy.text.replace(/\r\n/g, "\n")); } catch (e) { fail("witness policy", e.message); }
      let signed;
      try { signed = await checkQuorum(dec.decode(read(m, "checkpoint.txt")), pol); } catch (e) {
        fail(e instanceof PolicyError ? "witness policy" : "checkpoint.txt", e.message);
      }
      steps.push(`Witness quorum '${pol.quorum}' of the ${policy.source} met: cosigned by ${signed.join(", ") || "none needed"}`);
    } else {
      steps.push("No witness policy: the checkpoint is accepted on the log's signature alone");
    }
    const orgs = new Map(), envs = [];
    let last = -1;
    for (const [n, item] of manifest.events.entries()) {
      const index = item.leaf_index, name = `envelopes/${index}.json`;
      if (index <= last) fail("manifest.json", "events are not in log order");
      last = index;
      const data = read(m, name), proof = readJson(m, `proofs/${index}.json`);
      if (proof.leaf_index !== index || proof.tree_size !== cp.treeSize) fail(`proofs/${index}.json`, `is not the proof of leaf ${index} under the checkpoint`);
      let root;
      try { root = await rootFromInclusion(await leafHash(data), index, cp.treeSize, proof.inclusion_path.map(b64)); } catch { root = new Uint8Array(); }
      if (!equal(root, cp.rootHash)) fail(name, `not proven at leaf ${index} under the checkpoint (envelope or proof altered)`);
      const text = dec.decode(data), env = JSON.parse(text);
      if (env.event.event_id !== item.event_id) fail(name, `holds event ${env.event.event_id}, the manifest says ${item.event_id}`);
      await checkSigner(orgs, env, text, name, n === 0);
      if (KEY_EVENTS.has(env.event.type)) await applyKeyEvent(orgs, env.event, env.received_at);
      envs.push(env);
    }
    steps.push(`${envs.length} events proven in the log; each signed by a key of its actor valid at receipt`);
    const keys = readJson(m, "keys.json");
    for (const [org, ks] of Object.entries(keys)) {
      for (const [kid, pub] of Object.entries(ks)) {
        const rec = (orgs.get(org) || new Map()).get(kid);
        if (!rec || hex(rec.public) !== hex(b64(pub))) fail("keys.json", `key ${kid} of ${org} differs from its registration`);
      }
    }
    const included = await checkDocuments(m, manifest, envs);
    steps.push(`${included} documents match the hashes the events signed`);
    return { ok: true, lot: manifest.lot_id, steps, witnessed: policy !== null };
  } catch (error) {
    return { ok: false, error: error.message, steps };
  }
}

// Verify an evidence pack (`orechain ledger pack`) in the browser, as
// orechain.ledger.pack.verify_pack does in Python: the checkpoint signature, every
// inclusion proof, who signed each event (replaying key registrations at the log's
// receipt times), keys.json and every document's SHA-256. Nothing leaves the page.
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

export async function verifyPack(buffer, vkey) {
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
    return { ok: true, lot: manifest.lot_id, steps };
  } catch (error) {
    return { ok: false, error: error.message, steps };
  }
}

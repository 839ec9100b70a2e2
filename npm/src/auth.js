// Authentication in JavaScript, with WebCrypto (`crypto.subtle`, in browsers' secure
// contexts and in Node 20+), so that the WebAssembly carries no crypto code. `prepare` turns
// the application's `auth` option into what the WebAssembly module takes:
// `{ method, authid, authextra, respond(method, extra) -> Promise<signature> }`.

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error("WebCrypto (crypto.subtle) is not available: a browser offers it only on https:// pages and localhost");
  return s;
};
const utf8 = (text) => new TextEncoder().encode(text);
const base64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
const hex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text) => /^([0-9a-fA-F]{2})*$/.test(text) ? Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16)) : null;
const fail = (message) => { throw new TypeError(message); };
const string = (auth, key, optional) => {
  const value = auth[key];
  if (optional && value == null) return undefined;
  return typeof value === "string" ? value : fail(`options.auth.${key} must be a string, not ${kind(value)}`);
};
const kind = (value) => value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value === "undefined" ? "undefined" : `a ${typeof value === "bigint" ? "BigInt" : typeof value}`;

async function hmac(key, text) {
  const k = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64(await subtle().sign("HMAC", k, utf8(text)));
}

/** WAMP-CRA: HMAC-SHA256 of the challenge, keyed by the secret or, salted, by the base64 PBKDF2 key. */
async function cra(secret, extra) {
  const challenge = extra.challenge;
  if (typeof challenge !== "string") throw new Error("`challenge` must be a string");
  let key = utf8(secret);
  if (extra.salt != null) {
    if (typeof extra.salt !== "string") throw new Error("`salt` must be a string");
    const iterations = extra.iterations ?? 1000;
    const keylen = extra.keylen ?? 32;
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > 0xffffffff) throw new Error("`iterations` must be an integer in 1..=4294967295");
    if (!Number.isInteger(keylen) || keylen < 1 || keylen > 1024) throw new Error("`keylen` must be an integer in 1..=1024");
    const base = await subtle().importKey("raw", key, "PBKDF2", false, ["deriveBits"]);
    const bits = await subtle().deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: utf8(extra.salt), iterations }, base, keylen * 8);
    key = utf8(base64(bits));
  }
  return hmac(key, challenge);
}

/** The options.auth of `connect`, checked, for the WebAssembly module; `undefined` is anonymous. */
export async function prepare(auth) {
  if (auth == null) return undefined;
  if (typeof auth !== "object" || Array.isArray(auth)) fail(`options.auth must be an object, not ${kind(auth)}`);
  const method = string(auth, "method");
  if (method === "anonymous") return { method, authid: string(auth, "authid", true) };
  if (method === "ticket") {
    const ticket = string(auth, "ticket");
    return { method, authid: string(auth, "authid"), respond: async () => ticket };
  }
  if (method === "wampcra") {
    const secret = string(auth, "secret");
    return { method, authid: string(auth, "authid"), respond: async (_, extra) => cra(secret, extra) };
  }
  if (method === "cryptosign") {
    const authid = string(auth, "authid", true);
    const seed = fromHex(string(auth, "privateKey"));
    if (seed?.length !== 32) fail("options.auth.privateKey must be a 32-byte Ed25519 seed as 64 hex digits");
    // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410); the JWK export carries the public key.
    const pkcs8 = Uint8Array.of(48, 46, 2, 1, 0, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32, ...seed);
    const key = await subtle().importKey("pkcs8", pkcs8, "Ed25519", true, ["sign"]);
    const { x } = await subtle().exportKey("jwk", key);
    const pubkey = hex(Uint8Array.from(atob(x.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));
    const respond = async (_, extra) => {
      if (extra.channel_binding != null) throw new Error(`channel binding \`${extra.channel_binding}\` is not supported`);
      const challenge = typeof extra.challenge === "string" ? fromHex(extra.challenge) : null;
      if (challenge?.length !== 32) throw new Error("`challenge` must be 32 bytes as hex");
      return hex(await subtle().sign("Ed25519", key, challenge)) + extra.challenge.toLowerCase();
    };
    return { method, authid, authextra: { pubkey }, respond };
  }
  fail(`options.auth.method must be "anonymous", "ticket", "wampcra" or "cryptosign", not ${JSON.stringify(method)}`);
}

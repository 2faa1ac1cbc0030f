// Independent verification of Open Badges 3.0 credentials with JavaScript implementations.
//
// Reads one JSON job from stdin:
//   {"contexts_dir": "...", "context_files": {"<url>": "<file name>", ...} (optional),
//    "did_documents": {"did:web:...": {...}},
//    "items": [{"name": "...", "format": "ldp" | "jwt", "credential": {...} | "jws": "...",
//               "jwks": [...] (optional), "issuer_binding": true (optional)}]}
// and prints one JSON line per verifier per item:
//   {"name", "verifier", "verified", "errors": [...], ...details}
//
// Verifiers: ldp -> @digitalbazaar/vc (+ data-integrity, eddsa-rdfc-2022) and
// @digitalcredentials/verifier-core (judged on its signature and expiry steps only);
// jwt -> jose. Nothing here reaches the network: sockets are refused, `fetch` serves only the
// bundled contexts and the DID documents of the job, every other request is refused (404) and
// reported in `network_attempts`.

import {readFileSync} from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import path from 'node:path';

// stdout carries the results only; libraries that log go to stderr.
for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}

// ---------------------------------------------------------------------------------------------
// Offline guard, installed before any library is loaded.

let networkAttempts = [];

function refuseSocket() {
  networkAttempts.push('socket');
  throw new Error('interop verifiers run offline: opening a socket is refused');
}
net.Socket.prototype.connect = refuseSocket;
net.connect = refuseSocket;
net.createConnection = refuseSocket;
tls.connect = refuseSocket;

// url -> JSON document served by the in-process fetch (contexts, did:web documents).
const localResources = new Map();

globalThis.fetch = async function offlineFetch(input) {
  const url = typeof input === 'string' ? input : (input?.url ?? String(input));
  if (localResources.has(url)) {
    return new Response(JSON.stringify(localResources.get(url)), {
      status: 200,
      headers: {'content-type': 'application/ld+json'},
    });
  }
  // Refused without touching the network. The answer is a 404 rather than a thrown error because
  // ky (under verifier-core) retries thrown errors twice with back-off, about one second per
  // credential that has a status list; a 404 is final at once.
  networkAttempts.push(url);
  return new Response(`interop verifiers run offline: ${url} is not served`, {
    status: 404,
    statusText: 'Not Found (offline)',
  });
};

// Context URL -> file name in the bundle (verification/contexts/).
const DEFAULT_CONTEXT_FILES = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://www.w3.org/2018/credentials/v1': 'credentials-v1.jsonld',
  'https://www.w3.org/ns/credentials/examples/v2': 'credentials-examples-v2.jsonld',
  'https://www.w3.org/ns/credentials/status/v1': 'credentials-status-v1.jsonld',
  'https://www.w3.org/ns/cid/v1': 'cid-v1.jsonld',
  'https://w3id.org/security/data-integrity/v1': 'data-integrity-v1.jsonld',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
  'https://w3id.org/security/multikey/v1': 'multikey-v1.jsonld',
  'https://w3id.org/security/jwk/v1': 'jwk-v1.jsonld',
  'https://w3id.org/security/suites/ed25519-2020/v1': 'ed25519-2020-v1.jsonld',
  'https://w3id.org/vc/status-list/2021/v1': 'status-list-2021-v1.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context.json': 'ob-v3p0-context.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json': 'ob-v3p0-context-3.0.1.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json': 'ob-v3p0-context-3.0.2.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json': 'ob-v3p0-extensions.json',
  'https://purl.imsglobal.org/spec/clr/v2p0/context.json': 'clr-v2p0-context.json',
  'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json': 'clr-v2p0-context-2.0.1.json',
};

// ---------------------------------------------------------------------------------------------
// Libraries (loaded after the guard so none of them can capture the real fetch).

const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
const DidKey = await import('@digitalbazaar/did-method-key');
const jsigs = (await import('jsonld-signatures')).default;
const jose = await import('jose');
const verifierCore = await import('@digitalcredentials/verifier-core');

const didKeyDriver = DidKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});

// ---------------------------------------------------------------------------------------------
// Job

function readStdin() {
  return readFileSync(0, 'utf8');
}

const job = JSON.parse(readStdin());
const contextsDir = job.contexts_dir;
const contextFiles = job.context_files ?? DEFAULT_CONTEXT_FILES;
const contexts = new Map();
for (const [url, file] of Object.entries(contextFiles)) {
  let text;
  try {
    text = readFileSync(path.join(contextsDir, file), 'utf8');
  } catch {
    continue; // a context missing from the bundle is simply not served
  }
  contexts.set(url, JSON.parse(text));
  localResources.set(url, JSON.parse(text));
}

const didDocuments = job.did_documents ?? {};
for (const [did, document] of Object.entries(didDocuments)) {
  localResources.set(didWebUrl(did), document);
}

function didWebUrl(did) {
  if (!did.startsWith('did:web:')) {
    return did;
  }
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const [host, ...segments] = parts;
  return segments.length
    ? `https://${host}/${segments.join('/')}/did.json`
    : `https://${host}/.well-known/did.json`;
}

// ---------------------------------------------------------------------------------------------
// DID resolution from the job (did:web) and locally (did:key).

const VERIFICATION_RELATIONSHIPS = [
  'verificationMethod', 'assertionMethod', 'authentication', 'capabilityInvocation',
  'capabilityDelegation', 'keyAgreement',
];

function absoluteId(id, did) {
  return id.startsWith('#') ? did + id : id;
}

// The verification method node a DID URL names in a DID document (listed or embedded).
function findMethod(document, did, id) {
  for (const relationship of VERIFICATION_RELATIONSHIPS) {
    for (const entry of [].concat(document[relationship] ?? [])) {
      if (typeof entry === 'object' && entry && absoluteId(entry.id, did) === id) {
        return {...entry, id};
      }
    }
  }
  return null;
}

function listedUnder(document, did, id, relationship) {
  return [].concat(document[relationship] ?? []).some(
    entry => absoluteId(typeof entry === 'string' ? entry : entry?.id ?? '', did) === id);
}

async function resolveDidUrl(url) {
  const [did, fragment] = url.split('#');
  if (did.startsWith('did:key:')) {
    return didKeyDriver.get({url});
  }
  if (did.startsWith('did:web:')) {
    const document = didDocuments[did];
    if (!document) {
      throw new Error(`no DID document for ${did} was handed to the verifier`);
    }
    if (fragment === undefined) {
      return document;
    }
    const method = findMethod(document, did, url);
    if (!method) {
      throw new Error(`the DID document of ${did} has no verification method ${url}`);
    }
    return {'@context': document['@context'], ...method};
  }
  throw new Error(`DID method of ${url} is not resolvable offline`);
}

// A bare did:key used as a verificationMethod (no `#fragment`) names a DID document, not a key,
// and the library refuses it. With `bare_did_key_as_key` the loader follows the 1EdTech
// validator's convention instead: the bare DID stands for its only key, and its document lists
// that key id under assertionMethod.
async function bareDidKeyAsKey(did) {
  const document = await didKeyDriver.get({did});
  const [method] = document.verificationMethod;
  return {
    ...document,
    type: method.type,
    controller: did,
    publicKeyMultibase: method.publicKeyMultibase,
    assertionMethod: [...[].concat(document.assertionMethod ?? []), did],
  };
}

function makeDocumentLoader(item) {
  return async function documentLoader(url) {
    if (contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if (item.bare_did_key_as_key && url.startsWith('did:key:') && !url.includes('#')) {
      return {contextUrl: null, documentUrl: url, document: await bareDidKeyAsKey(url)};
    }
    if (url.startsWith('did:')) {
      return {contextUrl: null, documentUrl: url, document: await resolveDidUrl(url)};
    }
    networkAttempts.push(url);
    throw new Error(`document loader: ${url} is not in the bundle and is not fetched`);
  };
}

// ---------------------------------------------------------------------------------------------
// Verifiers

function errorMessages(error) {
  if (!error) {
    return [];
  }
  const nested = [].concat(error.errors ?? []).flatMap(errorMessages);
  const own = error.message ?? String(error);
  return nested.length ? nested : [own];
}

async function verifyWithDigitalBazaar(item) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const options = {credential: item.credential, suite, documentLoader: makeDocumentLoader(item)};
  // issuer_binding (default) keeps the library's CredentialIssuancePurpose: the issuer must
  // be the controller of the verification method. Third-party samples whose issuer is not
  // the key's controller are checked with a plain assertionMethod purpose instead.
  if (item.issuer_binding === false) {
    options.purpose = new jsigs.purposes.AssertionProofPurpose();
  }
  // Status lists live on the issuer's server; revocation is the platform's own test's concern.
  // The library insists on a checker when credentialStatus is present, so it gets one that
  // accepts, and the result says the status was not checked.
  if (item.credential.credentialStatus) {
    options.checkStatus = async () => ({verified: true});
  }
  const result = await vc.verifyCredential(options);
  return {
    verified: result.verified === true,
    errors: result.verified ? [] : errorMessages(result.error),
    purpose: item.issuer_binding === false ? 'assertionMethod' : 'credentialIssuance',
    status: item.credential.credentialStatus ? 'not checked' : 'none',
  };
}

async function verifyWithVerifierCore(item) {
  const response = await verifierCore.verifyCredential({
    credential: item.credential,
    knownDIDRegistries: [],
  });
  const errors = [].concat(response.errors ?? []).map(e => `${e.name}: ${e.message}`);
  const log = response.log ?? [];
  const step = id => log.find(entry => entry.id === id);
  const signature = step('valid_signature');
  const expiration = step('expiration');
  if (!signature) {
    if (errors.length === 0) {
      errors.push('no valid_signature step in the result');
    }
  } else if (signature.valid !== true) {
    errors.push('valid_signature: invalid');
  }
  if (expiration && expiration.valid !== true) {
    errors.push('expiration: expired');
  }
  return {
    verified: errors.length === 0,
    errors,
    steps: Object.fromEntries(log.map(entry => [entry.id, entry.valid ?? entry.error ?? null])),
    judged_steps: ['valid_signature', 'expiration'],
  };
}

// A JOSE public key for a verification method node (publicKeyJwk or an Ed25519 Multikey).
async function jwkFromMethod(method) {
  if (method.publicKeyJwk) {
    return method.publicKeyJwk;
  }
  if (typeof method.publicKeyMultibase === 'string' && method.publicKeyMultibase.startsWith('z6Mk')) {
    const keyPair = await Ed25519Multikey.from({
      type: 'Multikey', id: method.id, controller: method.controller,
      publicKeyMultibase: method.publicKeyMultibase,
    });
    return Ed25519Multikey.toJwk({keyPair});
  }
  throw new Error(`verification method ${method.id} has no key jose can use`);
}

// Where the key comes from, in order: the header's `jwk`, the job's JWKS (by kid), the DID
// document the kid names (did:web from the job, did:key locally).
async function keyForJws(item, header, claims) {
  if (header.jwk) {
    return {key: await jose.importJWK(header.jwk, header.alg), source: 'header.jwk'};
  }
  if (item.jwks) {
    const keys = Array.isArray(item.jwks) ? item.jwks : item.jwks.keys;
    return {key: jose.createLocalJWKSet({keys}), source: 'jwks'};
  }
  if (typeof header.kid === 'string' && header.kid.startsWith('did:')) {
    const did = header.kid.split('#')[0];
    const issuer = typeof claims.issuer === 'object' ? claims.issuer?.id : claims.issuer;
    if (did !== claims.iss || (issuer !== undefined && did !== issuer)) {
      throw new Error(`kid ${header.kid} does not belong to the issuer ${claims.iss}`);
    }
    if (did.startsWith('did:web:') && !listedUnder(didDocuments[did] ?? {}, did, header.kid, 'assertionMethod')) {
      throw new Error(`${header.kid} is not listed under assertionMethod in the DID document of ${did}`);
    }
    const method = await resolveDidUrl(header.kid);
    return {key: await jose.importJWK(await jwkFromMethod(method), header.alg), source: 'did'};
  }
  throw new Error('the JWS names no key: no jwk, no JWKS handed in, no DID kid');
}

async function verifyWithJose(item) {
  const header = jose.decodeProtectedHeader(item.jws);
  const claims = jose.decodeJwt(item.jws);
  const {key, source} = await keyForJws(item, header, claims);
  const {payload, protectedHeader} = await jose.jwtVerify(item.jws, key, {
    algorithms: ['EdDSA', 'Ed25519', 'ES256', 'RS256'],
  });
  const errors = [];
  const issuer = typeof payload.issuer === 'object' ? payload.issuer?.id : payload.issuer;
  if (payload.iss !== issuer) {
    errors.push(`iss ${payload.iss} is not the credential issuer ${issuer}`);
  }
  if (payload.validUntil && Date.parse(payload.validUntil) < Date.now()) {
    errors.push(`validUntil ${payload.validUntil} has passed`);
  }
  return {verified: errors.length === 0, errors, alg: protectedHeader.alg, key_source: source};
}

const VERIFIERS = {
  ldp: [['digitalbazaar/vc', verifyWithDigitalBazaar], ['verifier-core', verifyWithVerifierCore]],
  jwt: [['jose', verifyWithJose]],
};

for (const item of job.items) {
  for (const [verifier, verify] of VERIFIERS[item.format] ?? []) {
    networkAttempts = [];
    const started = performance.now();
    let result;
    try {
      result = await verify(item);
    } catch (error) {
      result = {verified: false, errors: errorMessages(error)};
    }
    process.stdout.write(JSON.stringify({
      name: item.name,
      verifier,
      ...result,
      network_attempts: networkAttempts,
      ms: Math.round(performance.now() - started),
    }) + '\n');
  }
}

// Signs Open Badges 3.0 credentials with several proofs, offline, with Digital Bazaar's Data Integrity libraries: proof
// sets and proof chains the platform's verifier must judge as W3C VC Data Integrity 1.0 says
// (tests/interop/proof_set_fixtures.py runs this).
//
// Reads one JSON job from stdin:
//   {"contexts_dir": "...", "context_files": {"<url>": "<file name>", ...},
//    "items": [{"name": "...", "cryptosuite": "eddsa-rdfc-2022" | "ecdsa-rdfc-2019" | "ecdsa-jcs-2019",
//               "shape": "set" | "chain", "created": "...", "ids": ["urn:...", "urn:...", "urn:..."],
//               "credential": {... unsigned, its issuer id replaced by the issuer key's did:key ...}}]}
// and prints one JSON line per item: {"name", "issuer", "notary", "credential" (signed), "packages": {name: version}}.
//
// Each item gets two fresh key pairs (Ed25519, or P-256 for ECDSA), the issuer's and a notary's (another controller),
// each a did:key. "set": the issuer's proof, then the notary's, each added by jsonld-signatures' sign (which signs the
// document without its other proofs and appends). "chain": the issuer's proof with id ids[0]; the notary's with id
// ids[1] and previousProof ids[0]; the issuer's again with previousProof [ids[0], ids[1]]. The libraries have no
// chain API, so a chained proof is made the way VC Data Integrity's "Add Proof Set/Chain" says: the library's
// createProof is given the document carrying, under `proof`, the proofs the new one names, with `id` and
// `previousProof` set in its proof options; the library canonicalizes, hashes and signs it. Nothing is fetched: the
// document loader serves the bundled contexts only.

import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}
globalThis.fetch = async url => {
  throw new Error(`the fixture generator runs offline: ${url} is not fetched`);
};

const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite: eddsaRdfc2022} = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
const {cryptosuite: ecdsaRdfc2019} = await import('@digitalbazaar/ecdsa-rdfc-2019-cryptosuite');
const {createSignCryptosuite: ecdsaJcs2019} = await import('@digitalbazaar/ecdsa-jcs-2019-cryptosuite');
const Ed25519Multikey = await import('@digitalbazaar/ed25519-multikey');
const EcdsaMultikey = await import('@digitalbazaar/ecdsa-multikey');
const jsigs = (await import('jsonld-signatures')).default;
const {AssertionProofPurpose} = jsigs.purposes;

// The versions actually loaded, read from node_modules beside this script (their package.json is not exported).
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules');
const PACKAGES = [
  '@digitalbazaar/data-integrity', '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite', '@digitalbazaar/ecdsa-jcs-2019-cryptosuite',
  '@digitalbazaar/ed25519-multikey', '@digitalbazaar/ecdsa-multikey', 'jsonld-signatures', 'jsonld',
];
const packages = Object.fromEntries(PACKAGES.map(
  name => [name, JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8')).version]));

const job = JSON.parse(readFileSync(0, 'utf8'));
const contexts = new Map();
for (const [url, file] of Object.entries(job.context_files)) {
  try {
    contexts.set(url, JSON.parse(readFileSync(path.join(job.contexts_dir, file), 'utf8')));
  } catch {
    // a context missing from the bundle is simply not served
  }
}

async function documentLoader(url) {
  if (contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  throw new Error(`document loader: ${url} is not in the bundle and is not fetched`);
}

const CRYPTOSUITES = {
  'eddsa-rdfc-2022': () => eddsaRdfc2022,
  'ecdsa-rdfc-2019': () => ecdsaRdfc2019,
  'ecdsa-jcs-2019': () => ecdsaJcs2019(),
};

async function keyPair(cryptosuite) {
  const pair = cryptosuite.startsWith('eddsa') ?
    await Ed25519Multikey.generate() : await EcdsaMultikey.generate({curve: 'P-256'});
  const {publicKeyMultibase} = await pair.export({publicKey: true});
  const did = `did:key:${publicKeyMultibase}`;
  pair.id = `${did}#${publicKeyMultibase}`;
  pair.controller = did;
  return {pair, did};
}

function suite(item, key, proofOptions) {
  const made = new DataIntegrityProof({
    signer: key.pair.signer(),
    cryptosuite: CRYPTOSUITES[item.cryptosuite](),
    date: item.created,
  });
  if (proofOptions) {
    made.proof = proofOptions; // copied into the proof options by createProof: `id`, `previousProof`
  }
  return made;
}

// Add Proof Set/Chain: the new proof is made over the document carrying the proofs it names, then appended.
async function chained(document, item, key, proofOptions) {
  const previous = [].concat(proofOptions.previousProof);
  const all = [].concat(document.proof);
  const input = {...document, proof: previous.map(id => all.find(proof => proof.id === id))};
  const proof = await suite(item, key, proofOptions).createProof({
    document: input, purpose: new AssertionProofPurpose(), proofSet: all, documentLoader,
  });
  return {...document, proof: [...all, proof]};
}

for (const item of job.items) {
  const issuer = await keyPair(item.cryptosuite);
  const notary = await keyPair(item.cryptosuite);
  let credential = structuredClone(item.credential);
  credential.issuer.id = issuer.did;
  const purpose = new AssertionProofPurpose();
  if (item.shape === 'set') {
    await jsigs.sign(credential, {suite: suite(item, issuer), purpose, documentLoader});
    await jsigs.sign(credential, {suite: suite(item, notary), purpose, documentLoader});
  } else {
    const [first, second, third] = item.ids;
    await jsigs.sign(credential, {suite: suite(item, issuer, {id: first}), purpose, documentLoader});
    credential = {...credential, proof: [].concat(credential.proof)};
    credential = await chained(credential, item, notary, {id: second, previousProof: first});
    credential = await chained(credential, item, issuer, {id: third, previousProof: [first, second]});
  }
  process.stdout.write(JSON.stringify(
    {name: item.name, issuer: issuer.did, notary: notary.did, credential, packages}) + '\n');
}

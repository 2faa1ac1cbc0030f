// Signs Open Badges 3.0 credentials with Digital Bazaar's ECDSA cryptosuites, offline: the credentials the
// platform's verifier must accept from another platform (tests/interop/ecdsa_fixtures.py runs this).
//
// Reads one JSON job from stdin:
//   {"contexts_dir": "...", "context_files": {"<url>": "<file name>", ...},
//    "items": [{"name": "...", "cryptosuite": "ecdsa-rdfc-2019" | "ecdsa-jcs-2019" | "ecdsa-sd-2023",
//               "curve": "P-256" | "P-384",
//               "mandatory_pointers": [...], "selective_pointers": [...]   (ecdsa-sd-2023 only)
//               "credential": {... unsigned, its issuer id replaced by the signing key's did:key ...}}]}
// and prints one JSON line per item: {"name", "did", "credential" (signed), "packages": {name: version}}.
// For ecdsa-sd-2023 the issuer signs a base proof with the mandatory pointers, and the holder derives from it the
// credential it presents, disclosing the selective pointers: "credential" is the derived one, "base" the other.
// Each item gets a fresh key pair (WebCrypto); the did:key is made of its public Multikey. Nothing is fetched:
// the document loader serves the bundled contexts only.

import {readFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

for (const level of ['log', 'info', 'warn', 'debug']) {
  console[level] = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');
}
globalThis.fetch = async url => {
  throw new Error(`the fixture generator runs offline: ${url} is not fetched`);
};

const vc = await import('@digitalbazaar/vc');
const {DataIntegrityProof} = await import('@digitalbazaar/data-integrity');
const {cryptosuite: ecdsaRdfc2019} = await import('@digitalbazaar/ecdsa-rdfc-2019-cryptosuite');
const {createSignCryptosuite: ecdsaJcs2019} = await import('@digitalbazaar/ecdsa-jcs-2019-cryptosuite');
const {createSignCryptosuite: ecdsaSd2023Sign, createDiscloseCryptosuite: ecdsaSd2023Disclose} =
  await import('@digitalbazaar/ecdsa-sd-2023-cryptosuite');
const EcdsaMultikey = await import('@digitalbazaar/ecdsa-multikey');

// The versions actually loaded, read from node_modules beside this script (their package.json is not exported).
const modules = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules');
const PACKAGES = [
  '@digitalbazaar/vc', '@digitalbazaar/data-integrity', '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite',
  '@digitalbazaar/ecdsa-jcs-2019-cryptosuite', '@digitalbazaar/ecdsa-sd-2023-cryptosuite',
  '@digitalbazaar/ecdsa-multikey', 'jsonld',
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
  'ecdsa-rdfc-2019': () => ecdsaRdfc2019,
  'ecdsa-jcs-2019': () => ecdsaJcs2019(),
  'ecdsa-sd-2023': item => ecdsaSd2023Sign({mandatoryPointers: item.mandatory_pointers}),
};

for (const item of job.items) {
  const keyPair = await EcdsaMultikey.generate({curve: item.curve});
  const {publicKeyMultibase} = await keyPair.export({publicKey: true});
  const did = `did:key:${publicKeyMultibase}`;
  keyPair.id = `${did}#${publicKeyMultibase}`;
  keyPair.controller = did;
  const credential = structuredClone(item.credential);
  credential.issuer.id = did;
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: CRYPTOSUITES[item.cryptosuite](item),
    date: item.created,
  });
  const signed = await vc.issue({credential, suite, documentLoader});
  if(item.cryptosuite !== 'ecdsa-sd-2023') {
    process.stdout.write(JSON.stringify({name: item.name, did, credential: signed, packages}) + '\n');
    continue;
  }
  const disclose = new DataIntegrityProof({
    cryptosuite: ecdsaSd2023Disclose({selectivePointers: item.selective_pointers}),
  });
  const derived = await vc.derive({verifiableCredential: signed, suite: disclose, documentLoader});
  process.stdout.write(JSON.stringify({name: item.name, did, credential: derived, base: signed, packages}) + '\n');
}

#!/usr/bin/env node
/*
 * An outside verifier for Kapstone's credentials: Digital Bazaar's JavaScript
 * implementation of W3C VC 2.0 (@digitalbazaar/vc), Data Integrity with the
 * eddsa-rdfc-2022 cryptosuite and Bitstring Status List, run in JSON-LD safe mode (the
 * libraries canonicalize with `safe: true`; this script also expands with it).
 *
 *   node verify.mjs --origin http://127.0.0.1:8470 credential.json   (or - for stdin)
 *
 * Prints one JSON object: {"verified": bool, "revoked": bool, "errors": [...]}.
 * Exit 0 when the credential verified, 1 when it did not, 2 on a usage error.
 *
 * The document loader never reaches the network for a JSON-LD context: the W3C contexts
 * come from Digital Bazaar's context packages (installed from package-lock.json), the
 * 1EdTech ones from the published copies in tests/data/interop/jsonld (SOURCES.md).
 * Only URLs under an --origin (the site under test) are fetched: the issuer's did:web
 * document and the status list credentials. did:web asks for https; a loopback origin
 * given with --origin may be plain http, because the test server has no certificate.
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import jsonld from 'jsonld';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import {contexts as statusListContexts} from
  '@digitalbazaar/vc-bitstring-status-list-context';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const INTEROP_CONTEXTS = path.join(HERE, '..', 'data', 'interop', 'jsonld');

function offlineContexts() {
  const map = new Map();
  for(const source of [credentialsContexts, dataIntegrityContext.contexts,
    didContext.contexts, multikeyContext.contexts, statusListContexts]) {
    for(const [url, context] of source) {
      map.set(url, context);
    }
  }
  // 1EdTech's contexts are not on npm: the copies 1EdTech published (SOURCES.md).
  const index = JSON.parse(
    readFileSync(path.join(INTEROP_CONTEXTS, 'INDEX.json'), 'utf8')).contexts;
  for(const [url, entry] of Object.entries(index)) {
    if(url.startsWith('https://purl.imsglobal.org/')) {
      map.set(url, JSON.parse(
        readFileSync(path.join(INTEROP_CONTEXTS, entry.file), 'utf8')));
    }
  }
  return map;
}

function didWebUrl(did) {
  // did:web:host%3Aport:path → <scheme>://host:port/path/did.json (W3C did:web).
  const [host, ...segments] = did.slice('did:web:'.length).split(':')
    .map(decodeURIComponent);
  const tail = segments.length ? segments.join('/') + '/did.json' :
    '.well-known/did.json';
  return `https://${host}/${tail}`;
}

function makeLoader({origins}) {
  const contexts = offlineContexts();
  const allowed = origins.map(origin => new URL(origin));

  function local(url) {
    // https://host/… → the --origin with the same host, which may be plain http.
    const wanted = new URL(url);
    const origin = allowed.find(o => o.host === wanted.host);
    if(!origin) {
      return null;
    }
    return new URL(wanted.pathname + wanted.search, origin).href;
  }

  async function fetchJson(url) {
    const target = local(url);
    if(!target) {
      throw new Error(`${url} is outside the site under test; not fetched.`);
    }
    const response = await fetch(target, {
      headers: {accept: 'application/json, application/ld+json'},
      signal: AbortSignal.timeout(10000)
    });
    if(!response.ok) {
      throw new Error(`${target} answered ${response.status}.`);
    }
    return response.json();
  }

  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
    }
    if(url.startsWith('did:web:')) {
      const [did, fragment] = url.split('#');
      const didDocument = await fetchJson(didWebUrl(did));
      if(didDocument.id !== did) {
        throw new Error(`The DID document at ${didWebUrl(did)} is not ${did}.`);
      }
      if(!fragment) {
        return {contextUrl: null, documentUrl: url, document: didDocument};
      }
      const method = (didDocument.verificationMethod || [])
        .find(m => m.id === url || m.id === `#${fragment}`);
      if(!method) {
        throw new Error(`${did} has no verification method #${fragment}.`);
      }
      return {
        contextUrl: null,
        documentUrl: url,
        document: {'@context': didDocument['@context'], ...method}
      };
    }
    if(url.startsWith('https://') || url.startsWith('http://')) {
      // A status list credential (or anything else) on the site under test.
      return {contextUrl: null, documentUrl: url, document: await fetchJson(url)};
    }
    throw new Error(`Cannot load ${url}.`);
  };
}

function messages(error) {
  const out = [];
  const seen = new Set();
  const walk = e => {
    if(!e || seen.has(e)) {
      return;
    }
    seen.add(e);
    if(Array.isArray(e)) {
      e.forEach(walk);
      return;
    }
    if(e.message) {
      out.push(e.message);
    }
    walk(e.errors);
    walk(e.cause);
  };
  walk(error);
  return out;
}

async function verify(credential, {origins, now}) {
  const documentLoader = makeLoader({origins});
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const errors = [];
  // Safe mode on the whole document too: an undefined term or a relative IRI is an
  // error here, not a silently different graph.
  try {
    await jsonld.expand(credential, {documentLoader, safe: true});
  } catch(e) {
    errors.push(...messages(e));
  }
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus, now
  });
  if(!result.verified) {
    errors.push(...messages(result.error));
    for(const r of result.results || []) {
      errors.push(...messages(r.error));
    }
    errors.push(...messages(result.statusResult?.error));
  }
  const statuses = (result.statusResult?.results || []).map(r => ({
    purpose: r.credentialStatus?.statusPurpose, set: r.status === true
  }));
  const revoked = statuses.some(s => s.purpose === 'revocation' && s.set);
  return {
    verified: errors.length === 0 && result.verified === true &&
      !statuses.some(s => s.set),
    revoked,
    statuses,
    errors: [...new Set(errors)]
  };
}

function usage(message) {
  process.stderr.write(`${message}\nusage: node verify.mjs [--origin URL]... ` +
    '[--now ISO-DATE] FILE|-\n');
  process.exit(2);
}

async function main(argv) {
  const origins = [];
  let now;
  let file;
  for(let i = 0; i < argv.length; i++) {
    if(argv[i] === '--origin') {
      origins.push(argv[++i] || usage('--origin needs a URL'));
    } else if(argv[i] === '--now') {
      now = argv[++i] || usage('--now needs a date');
    } else if(file === undefined) {
      file = argv[i];
    } else {
      usage(`unexpected argument ${argv[i]}`);
    }
  }
  if(file === undefined) {
    usage('no credential given');
  }
  let credential;
  try {
    credential = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch(e) {
    usage(`cannot read a JSON credential from ${file}: ${e.message}`);
  }
  const report = await verify(credential, {origins, now});
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exit(report.verified ? 0 : 1);
}

await main(process.argv.slice(2));

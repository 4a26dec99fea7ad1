#!/usr/bin/env node
// Strict validation of Kubernetes manifests against the official schemas.
//
//   node strict_validate.cjs [--strict-kinds] [--node-modules DIR] [--quiet] FILE...
//
// Each FILE (YAML or JSON; "-" for standard input) may hold several documents
// ("---") and `kind: List` objects; each object is looked up by apiVersion and
// kind in the npm package kubernetes-models (generated from the Kubernetes
// OpenAPI spec) and validated with the model's own validator: types, formats,
// enums and required fields.
//
// kubernetes-models, like the OpenAPI spec it comes from, accepts properties
// the schema does not define, which a real API server would drop (or refuse
// with fieldValidation=Strict). This script is strict: it runs the model's
// compiled validator over a Proxy of the object and records which properties
// the validator knows at each place (the ones it looks up, and every key of
// maps it iterates). A property it never looks up is an unknown field and an
// error. Values the schema leaves free-form (the validator reads nothing in
// them: RawExtension, JSONSchemaProps' default/example, fields marked
// x-kubernetes-preserve-unknown-fields) are not walked.
//
// Kinds with no built-in schema (custom resources such as LogStack or
// GrafanaDatasource) are reported as skipped, not errors, unless
// --strict-kinds is given.
//
// Output: one line per problem, "FILE#DOC PATH: REASON" (DOC counts from 1,
// PATH like spec.template.spec.containers[0].image), then a summary line.
// Exit status: 0 when every object is valid, 1 when any is not, 2 on bad usage
// or an unreadable file.
//
// As a module: validateObject(obj, options) and validateText(text, origin,
// options) return the same findings as data.
//
// The packages are resolved from --node-modules DIR, else $LOGSTACK_NODE_MODULES,
// else beside this script (where `npm ci` installs them in the build tree).

'use strict';

const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');

let nodeModulesDir = process.env.LOGSTACK_NODE_MODULES || path.join(__dirname, 'node_modules');

function load(name) {
  const req = createRequire(path.join(nodeModulesDir, '..', 'noop.js'));
  return req(name);
}

// The model class for apiVersion + kind, or null when kubernetes-models has
// none (a custom resource, or a typo in either).
const modelCache = new Map();
function findModel(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return null;
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion)) return null;
  let mod = modelCache.get(apiVersion);
  if (mod === undefined) {
    try {
      mod = load('kubernetes-models/' + apiVersion);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND' && e.code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e;
      mod = null;
    }
    modelCache.set(apiVersion, mod);
  }
  if (!mod) return null;
  const cls = mod[kind];
  // Only top-level kinds carry apiVersion and kind (PodSpec does not).
  if (typeof cls !== 'function' || cls.apiVersion !== apiVersion || cls.kind !== kind) return null;
  return cls;
}

function joinPath(parent, key, isIndex) {
  if (isIndex) return `${parent}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

// Wraps `value` so that every property the validator reads, and every object
// it enumerates, is recorded in `log` (one record an object or array).
function track(value, where, log) {
  if (value === null || typeof value !== 'object') return value;
  const rec = { path: where, value, reads: new Set(), enumerated: false };
  log.push(rec);
  const children = new Map();
  const isArray = Array.isArray(value);
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return v;
      rec.reads.add(key);
      if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(target, key)) {
        return v;
      }
      if (!children.has(key)) {
        children.set(key, track(v, joinPath(where, key, isArray && /^[0-9]+$/.test(key)), log));
      }
      return children.get(key);
    },
    ownKeys(target) {
      rec.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

// ajv's "/spec/template/spec/containers/0/image" as a dotted path.
function pointerToPath(pointer) {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out = joinPath(out, key, /^[0-9]+$/.test(key));
  }
  return out;
}

function describeAjvError(e) {
  let msg = e.message || e.keyword;
  if (e.keyword === 'enum' && e.params && e.params.allowedValues) {
    msg += ': ' + e.params.allowedValues.map((v) => JSON.stringify(v)).join(', ');
  }
  if (e.keyword === 'additionalProperties' && e.params) {
    msg = `unknown field "${e.params.additionalProperty}"`;
  }
  return msg;
}

// Properties that kubernetes-models' generator drops from its schemas (every
// property named "description", and JSONSchemaProps' x-kubernetes-*
// extensions), although its own type declarations (.d.ts) and the Kubernetes
// API have them. They are allowed on the types that have them, recognised by
// the properties their validator reads, and checked here.
const DROPPED = [
  {
    type: 'JSONSchemaProps',
    has: ['$schema', 'patternProperties'],
    extra: {
      description: 'string',
      'x-kubernetes-embedded-resource': 'boolean',
      'x-kubernetes-int-or-string': 'boolean',
      'x-kubernetes-list-map-keys': 'string[]',
      'x-kubernetes-list-type': ['atomic', 'set', 'map'],
      'x-kubernetes-map-type': ['granular', 'atomic'],
      'x-kubernetes-preserve-unknown-fields': 'boolean',
      'x-kubernetes-validations': 'ValidationRule[]',
    },
  },
  { type: 'CustomResourceColumnDefinition', has: ['jsonPath', 'priority'], extra: { description: 'string' } },
  { type: 'PriorityClass', has: ['globalDefault', 'preemptionPolicy'], extra: { description: 'string' } },
  { type: 'ExternalDocumentation', exactly: ['url'], extra: { description: 'string' } },
];

function droppedFor(rec) {
  for (const d of DROPPED) {
    if (d.has && d.has.every((k) => rec.reads.has(k))) return d.extra;
    if (d.exactly && rec.reads.size === d.exactly.length && d.exactly.every((k) => rec.reads.has(k))) {
      return d.extra;
    }
  }
  return null;
}

function checkDropped(value, kind, where, errors) {
  const bad = (what) => errors.push({ path: where, message: what });
  if (kind === 'string' && typeof value !== 'string') bad('must be string');
  else if (kind === 'boolean' && typeof value !== 'boolean') bad('must be boolean');
  else if (kind === 'string[]') {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) bad('must be a list of strings');
  } else if (Array.isArray(kind) && !kind.includes(value)) {
    bad('must be equal to one of the allowed values: ' + kind.map((v) => JSON.stringify(v)).join(', '));
  } else if (kind === 'ValidationRule[]') {
    if (!Array.isArray(value)) return bad('must be array');
    const cls = load('kubernetes-models/apiextensions.k8s.io/v1').ValidationRule;
    value.forEach((rule, i) => checkWith(cls, rule, `${where}[${i}]`, errors));
  }
}

// Runs the model's validator over `value` (at `base`) and adds its errors and
// the unknown fields to `errors`.
function checkWith(cls, value, base, errors) {
  const log = [];
  try {
    cls.prototype.validate.call(track(value, base, log));
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const err of e.errors) {
      const rel = pointerToPath(err.instancePath);
      const at = base && rel ? (rel.startsWith('[') ? base + rel : `${base}.${rel}`) : base || rel;
      errors.push({ path: at, message: describeAjvError(err) });
    }
  }
  for (const rec of log) {
    if (Array.isArray(rec.value) || rec.enumerated || rec.reads.size === 0) continue;
    const dropped = droppedFor(rec);
    for (const key of Object.keys(rec.value)) {
      if (rec.reads.has(key)) continue;
      const where = joinPath(rec.path, key, false);
      if (dropped && dropped[key]) checkDropped(rec.value[key], dropped[key], where, errors);
      else errors.push({ path: where, message: 'unknown field' });
    }
  }
}

// Validates one object. Returns {kind, apiVersion, name, skipped, errors:
// [{path, message}]}.
function validateObject(obj, options = {}) {
  const result = { kind: undefined, apiVersion: undefined, name: undefined, skipped: false, errors: [] };
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    result.errors.push({ path: '', message: 'not an object' });
    return result;
  }
  result.kind = obj.kind;
  result.apiVersion = obj.apiVersion;
  result.name = obj.metadata && obj.metadata.name;
  if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') {
    result.errors.push({ path: 'apiVersion', message: 'required: the object has no apiVersion' });
  }
  if (typeof obj.kind !== 'string' || obj.kind === '') {
    result.errors.push({ path: 'kind', message: 'required: the object has no kind' });
  }
  if (result.errors.length) return result;
  const cls = findModel(obj.apiVersion, obj.kind);
  if (!cls) {
    if (options.strictKinds) {
      result.errors.push({
        path: 'kind',
        message: `no built-in schema for ${obj.kind} (${obj.apiVersion})`,
      });
    } else {
      result.skipped = true;
    }
    return result;
  }
  checkWith(cls, obj, '', result.errors);
  return result;
}

// Every object of a YAML/JSON text: [{doc, item, object}] or throws on a
// syntax error (message with the line).
function parseDocuments(text, origin) {
  const YAML = load('yaml');
  // YAML 1.1, as kubectl's go-yaml reads manifests (yes/no are booleans).
  const docs = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  const out = [];
  docs.forEach((doc, i) => {
    if (doc.errors && doc.errors.length) {
      const e = doc.errors[0];
      const line = e.linePos && e.linePos[0] ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
      throw new Error(`${origin}${line}: document ${i + 1}: ${e.message.split('\n')[0]}`);
    }
    const obj = doc.toJS({ maxAliasCount: 100 });
    if (obj === null || obj === undefined) return;
    if (obj && obj.kind === 'List' && obj.apiVersion === 'v1' && Array.isArray(obj.items)) {
      obj.items.forEach((item, j) => out.push({ doc: i + 1, item: j, object: item }));
      const rest = Object.keys(obj).filter((k) => !['apiVersion', 'kind', 'items', 'metadata'].includes(k));
      if (rest.length) {
        out.push({ doc: i + 1, listError: `List has unknown fields: ${rest.join(', ')}` });
      }
    } else {
      out.push({ doc: i + 1, object: obj });
    }
  });
  return out;
}

// Validates every object of `text`. Returns [{where, kind, name, skipped, errors}].
function validateText(text, origin, options = {}) {
  return parseDocuments(text, origin).map((d) => {
    const where = `${origin}#${d.doc}` + (d.item !== undefined ? `.items[${d.item}]` : '');
    if (d.listError) return { where, skipped: false, errors: [{ path: '', message: d.listError }] };
    return { where, ...validateObject(d.object, options) };
  });
}

function main(argv) {
  const options = { strictKinds: false };
  let quiet = false;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--strict-kinds') options.strictKinds = true;
    else if (a === '--quiet') quiet = true;
    else if (a === '--node-modules') nodeModulesDir = path.resolve(argv[++i] || '');
    else if (a.startsWith('--node-modules=')) nodeModulesDir = path.resolve(a.slice(15));
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node strict_validate.cjs [--strict-kinds] [--node-modules DIR] [--quiet] FILE...\n');
      return 0;
    } else if (a.startsWith('--')) {
      process.stderr.write(`strict_validate: unknown flag ${a}\n`);
      return 2;
    } else files.push(a);
  }
  if (!files.length) {
    process.stderr.write('strict_validate: no files (usage: node strict_validate.cjs FILE...)\n');
    return 2;
  }
  let valid = 0;
  let invalid = 0;
  let skipped = 0;
  for (const file of files) {
    let text;
    try {
      text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      process.stderr.write(`strict_validate: ${file}: ${e.message}\n`);
      return 2;
    }
    let results;
    try {
      results = validateText(text, file, options);
    } catch (e) {
      process.stdout.write(`${e.message}\n`);
      invalid++;
      continue;
    }
    for (const r of results) {
      const label = `${r.kind || '?'}${r.name ? '/' + r.name : ''}`;
      if (r.errors.length) {
        invalid++;
        for (const e of r.errors) {
          process.stdout.write(`${r.where} ${label} ${e.path || '<root>'}: ${e.message}\n`);
        }
      } else if (r.skipped) {
        skipped++;
        if (!quiet) {
          process.stdout.write(`${r.where} ${label}: skipped: no built-in schema for ${r.kind} (${r.apiVersion})\n`);
        }
      } else {
        valid++;
        if (!quiet) process.stdout.write(`${r.where} ${label}: ok\n`);
      }
    }
  }
  process.stdout.write(`${valid + invalid + skipped} objects: ${valid} valid, ${invalid} invalid, ${skipped} skipped\n`);
  return invalid ? 1 : 0;
}

module.exports = { validateObject, validateText, parseDocuments, findModel };

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

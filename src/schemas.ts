import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync, readdirSync } from 'node:fs';
import { repoPath } from './paths.js';

/**
 * One ajv instance holding every schema of `schemas/`, compiled once at start-up.
 */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats.default(ajv);
for (const f of readdirSync(repoPath('schemas'))) {
  if (!f.endsWith('.schema.json') || f === 'config.schema.json') continue;
  ajv.addSchema(JSON.parse(readFileSync(repoPath('schemas', f), 'utf8')) as object);
}

const cache = new Map<string, ValidateFunction>();

/** A validator for `schemas/<file>` or `schemas/<file>#/$defs/<name>`. */
export function validator<T = unknown>(ref: string): ValidateFunction<T> {
  let v = cache.get(ref);
  if (!v) {
    const id = `https://lienthong.local/schemas/${ref}`;
    v = ajv.getSchema(id);
    if (!v) throw new Error(`schema ${ref} not found`);
    cache.set(ref, v);
  }
  return v as ValidateFunction<T>;
}

export interface Violation {
  path: string;
  message: string;
}

/** ajv errors → `{path, message}` with JSON-pointer paths and the offending key named. */
export function toViolations(errors: ErrorObject[] | null | undefined, base = ''): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    if (e.keyword === 'if' || e.keyword === 'allOf' || e.keyword === 'oneOf' || e.keyword === 'anyOf')
      continue;
    let path = base + e.instancePath;
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') {
      path = `${path}/${(e.params as { missingProperty: string }).missingProperty}`;
      message = 'is required';
    } else if (e.keyword === 'type') {
      message = `must be a ${(e.params as { type: string }).type}`;
    } else if (e.keyword === 'enum') {
      message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    } else if (e.keyword === 'pattern') {
      message = `does not match ${(e.params as { pattern: string }).pattern}`;
    } else if (e.keyword === 'const') {
      message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
    }
    const key = `${path}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: path || '/', message });
  }
  return out;
}

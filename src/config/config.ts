import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LienthongConfiguration, Secret, SystemBase } from '../generated/config.js';

/**
 * The configuration after start-up: defaults applied, secrets read, frozen.
 *
 * @remarks Derived from the type generated from `schemas/config.schema.json`: every property with a
 * default becomes required and every secret reference becomes the secret's value. Optional secrets
 * stay optional. Nothing here is a hand-written twin of the schema.
 */
export type Resolved<T> = T extends Secret
  ? string
  : T extends readonly (infer U)[]
    ? Resolved<U>[]
    : T extends object
      ? {
          readonly [K in keyof T]-?: undefined extends T[K]
            ? NonNullable<T[K]> extends Secret
              ? string | undefined
              : Resolved<NonNullable<T[K]>>
            : Resolved<T[K]>;
        }
      : T;

export type GatewayConfig = Resolved<LienthongConfiguration>;
export type SystemConfigs = GatewayConfig['systems'];
export type ResolvedSystemBase = Resolved<SystemBase>;

/** The common part (endpoint, timeouts, retry, breaker, rate limit) of one system's configuration. */
export function systemConfig(config: GatewayConfig, system: string): ResolvedSystemBase | undefined {
  const all = config.systems as Record<string, ResolvedSystemBase | undefined>;
  const s = all[system];
  return s && s.enabled ? s : undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const schemaPath = fileURLToPath(new URL('../../../schemas/config.schema.json', import.meta.url));
const schemaPathSrc = fileURLToPath(new URL('../../schemas/config.schema.json', import.meta.url));

function loadSchema(): object {
  for (const p of [schemaPathSrc, schemaPath]) {
    try {
      return JSON.parse(readFileSync(p, 'utf8')) as object;
    } catch {
      /* try the next location: src/ when run from source, dist/src/ when built */
    }
  }
  throw new Error('schemas/config.schema.json not found');
}

/** Turns an ajv instance path like `/systems/land/retry/attempts` into `systems.land.retry.attempts`. */
function keyOf(instancePath: string, missing?: string): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (missing) parts.push(missing);
  return parts.length === 0 ? '(root)' : parts.join('.');
}

export interface SecretSource {
  env: NodeJS.ProcessEnv;
  readFile: (path: string) => string;
}

const defaultSecretSource: SecretSource = { env: process.env, readFile: (p) => readFileSync(p, 'utf8') };

function isSecretRef(v: unknown): v is Secret {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file');
}

function resolveSecrets(value: unknown, path: string, source: SecretSource, problems: string[]): unknown {
  if (isSecretRef(value)) {
    if ('env' in value) {
      const v = source.env[value.env];
      if (v === undefined || v === '') {
        problems.push(`${path}: environment variable ${value.env} is not set`);
        return '';
      }
      return v;
    }
    try {
      return source.readFile(value.file).replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(
        `${path}: secret file ${value.file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return '';
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, `${path}.${i}`, source, problems));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = resolveSecrets(v, path ? `${path}.${k}` : k, source, problems);
    return out;
  }
  return value;
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile<LienthongConfiguration>(loadSchema());

/**
 * Validates a configuration object against the schema, applies defaults and reads the secrets.
 * Throws {@link ConfigError} naming every offending key.
 */
export function parseConfig(raw: unknown, source: SecretSource = defaultSecretSource): GatewayConfig {
  const copy: unknown = structuredClone(raw);
  if (!validate(copy)) {
    const problems = (validate.errors ?? []).map((e) => {
      const missing =
        e.keyword === 'required'
          ? String((e.params as { missingProperty: string }).missingProperty)
          : undefined;
      const extra =
        e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties'
          ? String(
              (e.params as { additionalProperty?: string; unevaluatedProperty?: string })
                .additionalProperty ?? (e.params as { unevaluatedProperty?: string }).unevaluatedProperty,
            )
          : undefined;
      if (missing) return `${keyOf(e.instancePath, missing)}: is required`;
      if (extra) return `${keyOf(e.instancePath, extra)}: is not a known key`;
      if (e.keyword === 'oneOf' && e.instancePath !== '')
        return `${keyOf(e.instancePath)}: must be a secret reference {"env": "NAME"} or {"file": "/path"}, never the value itself`;
      return `${keyOf(e.instancePath)}: ${e.message ?? 'is invalid'}`;
    });
    throw new ConfigError([...new Set(problems)]);
  }
  const problems: string[] = [];
  const resolved = resolveSecrets(copy, '', source, problems) as Record<string, unknown> & {
    http: { host: string; port: number; publicBaseUrl?: string };
  };
  if (problems.length > 0) throw new ConfigError(problems);
  resolved.http.publicBaseUrl ??= `http://${resolved.http.host}:${resolved.http.port}`;
  return deepFreeze(resolved) as unknown as GatewayConfig;
}

/** Reads the config file named by `--config` or `LIENTHONG_CONFIG`. */
export function loadConfigFile(path: string, source: SecretSource = defaultSecretSource): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([
      `config file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`config file ${path} is not valid JSON: ${(err as Error).message}`]);
  }
  return parseConfig(raw, source);
}

import { landUtcToPortal, portalToLandUtc } from '../domain/time.js';

/**
 * The declarative mapping engine used by every file in `mappings/`.
 *
 * A mapping is plain JSON whose leaves are templates:
 * - `"{Path.To.Field}"` alone takes the value as it is (string, number, object);
 * - `"{Path|conv}"` applies a named converter (`int`, `number`, `portalToUtc`, `utcToPortal`, …);
 * - `"text {A} more {B}"` interpolates into a string;
 * - `{"$each": "Path", "map": {…}}` maps every item of a list;
 * - `{"$switch": "Path", "cases": {"0": …}, "default": …}` picks by value;
 * - `{"$join": {"$each": …}, "separator": "; "}` joins a mapped list into one string;
 * - `{"$optional": template}` drops the key when the value is empty;
 * - `$config.x` and `$now` are read from the context, everything else from the source object.
 *
 * @remarks Keeping field and status correspondences in data means a wrong mapping is fixed by
 * editing `mappings/`, not code; the converters are the only code, and they are few and tested.
 */
export type Converter = (value: unknown) => unknown;

export class MappingError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'MappingError';
  }
}

const converters: Record<string, Converter> = {
  int: (v) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n)) throw new Error(`not an integer: ${JSON.stringify(v)}`);
    return n;
  },
  number: (v) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n) || v === '') throw new Error(`not a number: ${JSON.stringify(v)}`);
    return n;
  },
  string: (v) => (v === undefined || v === null ? '' : String(v)),
  portalToUtc: (v) => {
    const out = portalToLandUtc(String(v));
    if (out === null) throw new Error(`not a yyyyMMddHHmmss date-time: ${JSON.stringify(v)}`);
    return out;
  },
  utcToPortal: (v) => {
    const out = landUtcToPortal(String(v));
    if (out === null) throw new Error(`not a yyyy-MM-ddTHH:mm:ss UTC date-time: ${JSON.stringify(v)}`);
    return out;
  },
  /** Empty string, null and undefined become null (JSON null in the target). */
  nullIfEmpty: (v) => (v === '' || v === undefined ? null : v),
};

export function registerConverter(name: string, fn: Converter): void {
  converters[name] = fn;
}

export interface MappingContext {
  config?: Record<string, unknown>;
  now?: Date;
  extra?: Record<string, unknown>;
}

function getPath(source: unknown, path: string, ctx: MappingContext): unknown {
  let root: unknown = source;
  let rest = path;
  if (path.startsWith('$config.')) {
    root = ctx.config;
    rest = path.slice('$config.'.length);
  } else if (path.startsWith('$extra.')) {
    root = ctx.extra;
    rest = path.slice('$extra.'.length);
  } else if (path === '$now') return ctx.now ?? new Date();
  let cur: unknown = root;
  for (const part of rest.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

const WHOLE = /^\{([^{}|]+)(?:\|([A-Za-z]+))?\}$/;
const PART = /\{([^{}|]+)(?:\|([A-Za-z]+))?\}/g;

function resolveOne(
  source: unknown,
  path: string,
  conv: string | undefined,
  ctx: MappingContext,
  at: string,
): unknown {
  const value = getPath(source, path.trim(), ctx);
  if (!conv) return value;
  const fn = converters[conv];
  if (!fn) throw new MappingError(at, `unknown converter ${conv}`);
  try {
    return fn(value);
  } catch (err) {
    throw new MappingError(at, `${path}: ${(err as Error).message}`);
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Applies a mapping template to a source object. `at` names the position for error messages. */
export function applyMapping(
  template: unknown,
  source: unknown,
  ctx: MappingContext = {},
  at = '$',
): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return resolveOne(source, whole[1]!, whole[2], ctx, at);
    return template.replace(PART, (_m, p: string, c: string | undefined) => {
      const v = resolveOne(source, p, c, ctx, at);
      return v === undefined || v === null ? '' : String(v);
    });
  }
  if (Array.isArray(template)) return template.map((t, i) => applyMapping(t, source, ctx, `${at}[${i}]`));
  if (template !== null && typeof template === 'object') {
    const t = template as Record<string, unknown>;
    if (typeof t.$each === 'string') {
      const list = getPath(source, t.$each, ctx);
      if (list === undefined || list === null) return [];
      if (!Array.isArray(list)) throw new MappingError(at, `${t.$each} is not a list`);
      return list.map((item, i) =>
        applyMapping(t.map, item, { ...ctx, extra: { ...ctx.extra, parent: source } }, `${at}[${i}]`),
      );
    }
    if ('$join' in t) {
      const list = applyMapping(t.$join, source, ctx, at);
      if (!Array.isArray(list)) throw new MappingError(at, '$join needs a list');
      return list.map((x) => String(x)).join(typeof t.separator === 'string' ? t.separator : ', ');
    }
    if (typeof t.$switch === 'string') {
      const key = String(getPath(source, t.$switch, ctx));
      const cases = (t.cases ?? {}) as Record<string, unknown>;
      if (key in cases) return applyMapping(cases[key], source, ctx, at);
      if ('default' in t) return applyMapping(t.default, source, ctx, at);
      throw new MappingError(at, `${t.$switch}: no case for ${JSON.stringify(key)}`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(t)) {
      if (v !== null && typeof v === 'object' && '$optional' in (v as object)) {
        const value = applyMapping((v as { $optional: unknown }).$optional, source, ctx, `${at}.${k}`);
        if (!isEmpty(value)) out[k] = value;
        continue;
      }
      out[k] = applyMapping(v, source, ctx, `${at}.${k}`);
    }
    return out;
  }
  return template;
}

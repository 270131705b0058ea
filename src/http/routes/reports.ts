import express, { type Request, type Router } from 'express';
import type { WorkingCalendar } from '../../calendar/working-calendar.js';
import type { GatewayConfig } from '../../config/config.js';
import { parseLocal, parsePortalDateTime } from '../../domain/time.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { computeOnTimeReport, GROUP_BY, type GroupBy } from '../../reports/on-time.js';
import { renderOnTimeCsv, renderOnTimeJson } from '../../reports/on-time-render.js';
import type { ReportSource } from '../../reports/report-source.js';
import { safeEqual, sha256Hex } from '../../security/constant-time.js';

export interface Operator {
  name: string;
  role: 'viewer' | 'operator';
}

/**
 * Finds the operator (viewer or operator role) whose token this is, comparing SHA-256 hashes in
 * constant time; null when none. Unlike `readerAuth`, the portal's feed key is not accepted: reports
 * and the dashboard are for people of the province, not for the portal software.
 */
export function operatorByToken(config: GatewayConfig): (token: string | undefined) => Operator | null {
  const operators = config.operators.map((o) => ({ name: o.name, role: o.role, hash: o.tokenSha256 }));
  return (token) => {
    if (!token) return null;
    const h = sha256Hex(token.trim());
    let found: Operator | null = null;
    for (const o of operators) if (safeEqual(h, o.hash)) found = { name: o.name, role: o.role };
    return found;
  };
}

/** The token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(req: Request): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.get('Authorization') ?? '');
  return m?.[1]?.trim() || undefined;
}

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A period bound: a local date `yyyy-MM-dd` (`from`: its 00:00; `to`: its 23:59:59.999, so a day is
 * included whole), the portal's `yyyyMMddHHmmss`, or ISO 8601 with an offset.
 */
export function parseBound(text: string, end: boolean): Date | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = parseLocal(text, 'yyyy-MM-dd');
    return d && end ? new Date(d.getTime() + DAY_MS - 1) : d;
  }
  if (/^\d{14}$/.test(text)) return parsePortalDateTime(text);
  if (ISO_WITH_OFFSET.test(text)) {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export interface ReportQuery {
  from: Date;
  to: Date;
  groupBy: GroupBy;
  format: 'json' | 'csv' | null;
}

/** Validates the query string; every violation is named (`/from`, `/to`, `/groupBy`, `/format`). */
export function parseReportQuery(q: Request['query']): ReportQuery {
  const violations: Array<{ path: string; message: string }> = [];
  const text = (k: string): string | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      violations.push({ path: `/${k}`, message: 'must be given once' });
      return undefined;
    }
    return v;
  };
  const bound = (k: 'from' | 'to', end: boolean): Date | null => {
    const v = text(k);
    if (v === undefined) {
      if (typeof q[k] === 'undefined') violations.push({ path: `/${k}`, message: 'is required' });
      return null;
    }
    const d = parseBound(v, end);
    if (!d)
      violations.push({
        path: `/${k}`,
        message: 'must be a date yyyy-MM-dd, a date-time yyyyMMddHHmmss or ISO 8601 with an offset',
      });
    return d;
  };
  const from = bound('from', false);
  const to = bound('to', true);
  const g = text('groupBy') ?? 'agency';
  if (!(GROUP_BY as readonly string[]).includes(g))
    violations.push({
      path: '/groupBy',
      message: `must be one of ${GROUP_BY.map((x) => `"${x}"`).join(', ')}`,
    });
  const f = text('format');
  if (f !== undefined && f !== 'json' && f !== 'csv')
    violations.push({ path: '/format', message: 'must be one of "json", "csv"' });
  if (from && to && to.getTime() < from.getTime())
    violations.push({ path: '/to', message: 'must not be before from' });
  if (from && to && to.getTime() - from.getTime() > MAX_DAYS * DAY_MS)
    violations.push({ path: '/to', message: `the period must not exceed ${MAX_DAYS} days` });
  if (violations.length > 0 || !from || !to)
    throw new GatewayError('GW_ERR_REQUEST_INVALID', {
      message: 'The query does not satisfy the report parameters',
      details: violations,
    });
  return { from, to, groupBy: g as GroupBy, format: (f as 'json' | 'csv' | undefined) ?? null };
}

/** Throws the gateway's 401 unless the request carries a viewer's or an operator's bearer token. */
export function requireOperator(
  lookup: (t: string | undefined) => Operator | null,
  token: string | undefined,
): Operator {
  if (!token)
    throw new GatewayError('GW_ERR_AUTH_MISSING', { message: 'An operator bearer token is required' });
  const op = lookup(token);
  if (!op) throw new GatewayError('GW_ERR_AUTH_INVALID', { message: 'The operator token is not valid' });
  return op;
}

/**
 * `GET /v1/reports/on-time?from=&to=&groupBy=agency|system|field` — the on-time report as JSON, or
 * as CSV for Excel with `Accept: text/csv` or `format=csv`.
 */
export function reportsRouter(deps: {
  source: ReportSource;
  calendar: WorkingCalendar;
  config: GatewayConfig;
  now?: () => Date;
}): Router {
  const r = express.Router();
  const lookup = operatorByToken(deps.config);
  const now = deps.now ?? (() => new Date());
  r.get('/v1/reports/on-time', async (req, res) => {
    requireOperator(lookup, bearerToken(req));
    const q = parseReportQuery(req.query);
    const facts = await deps.source.dossierFacts(q.from, q.to);
    const report = computeOnTimeReport(facts, { ...q, now: now() }, deps.calendar);
    const csv = q.format ? q.format === 'csv' : req.accepts(['application/json', 'text/csv']) === 'text/csv';
    res.set('Cache-Control', 'no-store');
    if (csv) {
      const day = (s: string): string => s.slice(0, 10);
      res
        .type('text/csv; charset=utf-8')
        .set(
          'Content-Disposition',
          `attachment; filename="bao-cao-dung-han_${q.groupBy}_${day(report.from)}_${day(report.to)}.csv"`,
        )
        .send(renderOnTimeCsv(report));
      return;
    }
    res.type('application/json').send(renderOnTimeJson(report));
  });
  return r;
}

import express, { type Request, type Response, type Router } from 'express';
import type { WorkingCalendar } from '../../calendar/working-calendar.js';
import type { GatewayConfig } from '../../config/config.js';
import { formatLocal } from '../../domain/time.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { chartJsSource, DASHBOARD_CSS, DASHBOARD_JS } from '../../dashboard/assets.js';
import type { DeliveryCounts } from '../../dashboard/delivery-counts.js';
import { renderDashboardPage, renderLoginPage } from '../../dashboard/dashboard-page.js';
import { buildDashboardView, type BreakerState } from '../../dashboard/dashboard-view.js';
import { computeOnTimeReport } from '../../reports/on-time.js';
import { renderOnTimeCsv } from '../../reports/on-time-render.js';
import type { ReportSource } from '../../reports/report-source.js';
import { bearerToken, operatorByToken, parseBound, parseReportQuery, type Operator } from './reports.js';

export const DASHBOARD_COOKIE = 'lt_dashboard';
const COOKIE_MAX_AGE_S = 8 * 3600;
const DEFAULT_DAYS = 365;
const DAY_MS = 86_400_000;

/**
 * Content-Security-Policy of the pages: scripts only from the gateway itself (Chart.js and the
 * page script are served under /dashboard/assets, the chart's data travels in a JSON island), no
 * framing. Inline styles stay allowed because Chart.js sizes its canvas through them.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface DashboardDeps {
  source: ReportSource;
  calendar: WorkingCalendar;
  config: GatewayConfig;
  /** The systems to list even when they have no delivery waiting (the configured ones). */
  systems: readonly string[];
  deliveryCounts: () => Promise<DeliveryCounts>;
  /** Breaker states as this process sees them; absent in an `api`-only process, which has none. */
  breakerStates?: () => Record<string, BreakerState>;
  now?: () => Date;
}

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('Cookie') ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(i + 1).trim()) || undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function setTokenCookie(req: Request, res: Response, token: string | null): void {
  const attrs = ['Path=/dashboard', 'HttpOnly', 'SameSite=Strict', ...(req.secure ? ['Secure'] : [])];
  const value = token === null ? '' : encodeURIComponent(token);
  const age = token === null ? 'Max-Age=0' : `Max-Age=${COOKIE_MAX_AGE_S}`;
  res.append('Set-Cookie', [`${DASHBOARD_COOKIE}=${value}`, age, ...attrs].join('; '));
}

function htmlHeaders(res: Response): void {
  res.set({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  res.type('text/html; charset=utf-8');
}

/**
 * The dashboard (`GET /dashboard`): server-rendered HTML in Vietnamese for the province's officials.
 *
 * @remarks Until the admin login of issue 5 lands, it accepts an operator or viewer token either
 * as `Authorization: Bearer` or from an HttpOnly, SameSite=Strict cookie set by the small form at
 * `POST /dashboard/login`. A `?token=` query parameter is deliberately not accepted: request URLs
 * are written to the logs, and a token in a URL also stays in the browser's history.
 */
export function dashboardRouter(deps: DashboardDeps): Router {
  const r = express.Router();
  const lookup = operatorByToken(deps.config);
  const now = deps.now ?? (() => new Date());

  const asset = (path: string, type: string, body: () => string | Buffer): void => {
    r.get(`/dashboard/assets/${path}`, (_req, res) => {
      res.set({ 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' });
      res.type(type).send(body());
    });
  };
  asset('chart.umd.min.js', 'application/javascript; charset=utf-8', chartJsSource);
  asset('dashboard.js', 'application/javascript; charset=utf-8', () => DASHBOARD_JS);
  asset('dashboard.css', 'text/css; charset=utf-8', () => DASHBOARD_CSS);

  /** The operator of the request, or null after answering with the login page. */
  const signedIn = (req: Request, res: Response): Operator | null => {
    const header = bearerToken(req);
    const cookie = cookieValue(req, DASHBOARD_COOKIE);
    const op = lookup(header ?? cookie);
    if (op) return op;
    if (cookie) setTokenCookie(req, res, null);
    htmlHeaders(res);
    res
      .status(401)
      .send(renderLoginPage(header || cookie ? 'Mã truy cập không đúng hoặc đã bị thu hồi.' : undefined));
    return null;
  };

  r.get('/dashboard', async (req, res) => {
    if (!signedIn(req, res)) return;
    const at = now();
    const bound = (k: 'from' | 'to', end: boolean, fallback: Date): Date => {
      const v = req.query[k];
      if (v === undefined || v === '') return fallback;
      const d = typeof v === 'string' ? parseBound(v, end) : null;
      if (!d)
        throw new GatewayError('GW_ERR_REQUEST_INVALID', {
          details: [{ path: `/${k}`, message: 'must be a date yyyy-MM-dd' }],
        });
      return d;
    };
    const to = bound('to', true, at);
    const from = bound('from', false, new Date(to.getTime() - DEFAULT_DAYS * DAY_MS));
    if (to.getTime() < from.getTime())
      throw new GatewayError('GW_ERR_REQUEST_INVALID', {
        details: [{ path: '/to', message: 'must not be before from' }],
      });
    const [facts, deliveries] = await Promise.all([
      deps.source.dossierFacts(from, to),
      deps.deliveryCounts(),
    ]);
    const view = buildDashboardView({
      facts,
      from,
      to,
      now: at,
      calendar: deps.calendar,
      systems: deps.systems,
      deliveries,
      breakers: deps.breakerStates ? deps.breakerStates() : null,
    });
    const day = (d: Date): string => formatLocal(d, 'yyyy-MM-dd');
    const csvHref = `/dashboard/bao-cao.csv?from=${day(from)}&to=${day(to)}&groupBy=agency`;
    htmlHeaders(res);
    res.send(renderDashboardPage(view, { csvHref, fromValue: day(from), toValue: day(to) }));
  });

  r.get('/dashboard/bao-cao.csv', async (req, res) => {
    if (!signedIn(req, res)) return;
    const q = parseReportQuery(req.query);
    const report = computeOnTimeReport(
      await deps.source.dossierFacts(q.from, q.to),
      { ...q, now: now() },
      deps.calendar,
    );
    res
      .set('Cache-Control', 'no-store')
      .type('text/csv; charset=utf-8')
      .set(
        'Content-Disposition',
        `attachment; filename="bao-cao-dung-han_${q.groupBy}_${report.from.slice(0, 10)}_${report.to.slice(0, 10)}.csv"`,
      )
      .send(renderOnTimeCsv(report));
  });

  r.post('/dashboard/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const body = req.body as Record<string, unknown> | undefined;
    const token = typeof body?.token === 'string' ? body.token.trim() : '';
    if (!lookup(token)) {
      htmlHeaders(res);
      res.status(401).send(renderLoginPage('Mã truy cập không đúng.'));
      return;
    }
    setTokenCookie(req, res, token);
    res.redirect(303, '/dashboard');
  });

  r.post('/dashboard/logout', (req, res) => {
    setTokenCookie(req, res, null);
    res.redirect(303, '/dashboard');
  });

  return r;
}

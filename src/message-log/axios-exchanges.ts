import { isAxiosError, type AxiosInstance, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { bodyText, dossiersNamedIn, resultCode, type Exchange } from './exchange.js';
import { currentExchangeScope, type ExchangeScope } from './exchange-scope.js';

const META = 'lienthongExchange';

interface Meta {
  scope: ExchangeScope;
  startedAt: number;
}

type WithMeta = InternalAxiosRequestConfig & { [META]?: Meta };

/** Token and login requests carry credentials and are about no dossier: never recorded. */
const CREDENTIAL_PATH = /\/(?:oauth\/token|token|auth\/login)\/?$/;

function header(config: InternalAxiosRequestConfig, name: string): string | undefined {
  const h = config.headers as unknown as { get?: (n: string) => unknown } & Record<string, unknown>;
  const v = typeof h?.get === 'function' ? h.get(name) : h?.[name];
  return typeof v === 'string' ? v : undefined;
}

function urlPath(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? '';
  try {
    return new URL(url, config.baseURL ?? 'http://x').pathname;
  } catch {
    return url.split('?')[0] ?? '';
  }
}

/** The party's operation: the SOAP action, the portal's `service`, else the last path segment. */
function operationOf(config: InternalAxiosRequestConfig, body: string | null): string {
  const action = header(config, 'SOAPAction');
  if (action) return action.replace(/"/g, '').split(/[/#]/).pop() || action;
  if (body?.includes('"service"')) {
    const m = /"service"\s*:\s*"([A-Za-z]{1,40})"/.exec(body);
    if (m) return m[1]!;
  }
  const seg = urlPath(config).split('/').filter(Boolean).pop() ?? '';
  return `${(config.method ?? 'get').toUpperCase()} ${seg}`.trim();
}

function dossierOf(config: InternalAxiosRequestConfig, body: string | null): string[] {
  const p = (config.params ?? {}) as Record<string, unknown>;
  for (const k of ['maHoSo', 'maHoSoMotCua', 'mahoso', 'MaHoSo']) {
    const v = p[k];
    if (typeof v === 'string' && /^[A-Za-z0-9.-]{1,50}$/.test(v)) return [v];
  }
  return dossiersNamedIn(body);
}

async function finish(config: WithMeta, res: AxiosResponse | undefined, err: unknown): Promise<void> {
  const meta = config[META];
  if (!meta) return;
  delete config[META];
  const { scope } = meta;
  const body = bodyText(config.data);
  const reply = bodyText(res?.data);
  const timedOut =
    isAxiosError(err) &&
    (err.code === 'ECONNABORTED' || err.code === 'ETIMEDOUT' || err.code === 'ERR_CANCELED');
  const exchange: Exchange = {
    direction: 'out',
    party: scope.party,
    operation: operationOf(config, body),
    purpose: scope.purpose,
    startedAt: meta.startedAt,
    durationMs: Date.now() - meta.startedAt,
    status: res?.status ?? null,
    outcome: res
      ? res.status >= 200 && res.status < 300
        ? 'ok'
        : 'error'
      : timedOut
        ? 'timeout'
        : 'no-answer',
    code: resultCode(reply),
    body,
    reply,
  };
  const dossiers = scope.MaHoSo ? [scope.MaHoSo] : dossierOf(config, body);
  if (dossiers.length > 0) {
    await scope.recorder.record(exchange, dossiers, { dedupeReply: scope.dedupeReply === true });
  } else scope.pending?.push(exchange);
}

/**
 * Records every request an axios instance sends inside an exchange scope, with its answer, into
 * the message log (issue 9). Installed by `sendCorrelationHeaders`, the one helper every transport
 * (and the SOAP client's axios) already uses. Recording never fails the call it observes: the
 * recorder swallows and logs its own errors.
 */
export function recordExchanges(http: AxiosInstance): void {
  http.interceptors.request.use((config) => {
    const scope = currentExchangeScope();
    if (scope && !CREDENTIAL_PATH.test(urlPath(config)))
      (config as WithMeta)[META] = { scope, startedAt: Date.now() };
    return config;
  });
  http.interceptors.response.use(
    async (res) => {
      await finish(res.config as WithMeta, res, undefined);
      return res;
    },
    async (err: unknown) => {
      if (isAxiosError(err) && err.config) await finish(err.config as WithMeta, err.response, err);
      throw err;
    },
  );
}

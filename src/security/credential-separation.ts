import type { GatewayConfig } from '../config/config.js';

/**
 * The credentials with which callers reach the gateway, by config key. Each belongs to one caller
 * and opens only that caller's routes, so one system cannot post another's callbacks.
 */
export function inboundCredentials(config: GatewayConfig): Array<{ key: string; value: string }> {
  const s = config.systems;
  const out: Array<{ key: string; value: string | undefined }> = [
    { key: 'feed.key', value: config.feed?.key },
    { key: 'metrics.token', value: config.metrics?.token },
  ];
  if (s.land?.enabled)
    out.push({ key: 'systems.land.callbackSecurityCode', value: s.land.callbackSecurityCode });
  if (s.tax?.enabled)
    out.push({
      key: s.tax.inboundSecurityKey ? 'systems.tax.inboundSecurityKey' : 'systems.tax.securityKey',
      value: s.tax.inboundSecurityKey ?? s.tax.securityKey,
    });
  if (s['social-insurance']?.enabled)
    out.push({
      key: 'systems.social-insurance.callbackPassword',
      value: s['social-insurance'].callbackPassword,
    });
  return out.filter(
    (c): c is { key: string; value: string } => typeof c.value === 'string' && c.value !== '',
  );
}

/**
 * Problems when two callers were given the same secret: either could then pass for the other
 * (the tax key would open the land callbacks). Empty when every inbound credential is distinct.
 */
export function sharedCredentials(config: GatewayConfig): string[] {
  const creds = inboundCredentials(config);
  const problems: string[] = [];
  for (let i = 0; i < creds.length; i += 1)
    for (let j = i + 1; j < creds.length; j += 1)
      if (creds[i]!.value === creds[j]!.value)
        problems.push(`${creds[i]!.key} and ${creds[j]!.key} are the same secret: give each caller its own`);
  return problems;
}

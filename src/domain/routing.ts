import { readFileSync } from 'node:fs';
import { repoPath } from '../paths.js';
import { toViolations, validator } from '../schemas.js';
import type { SystemId } from './system-event.js';

export interface Route {
  name: string;
  systems: SystemId[];
  /** Systems whose finish finishes the dossier (default: all of `systems`). */
  completion?: SystemId[];
  /** Systems that take part only when the dossier carries what they need. */
  optional?: SystemId[];
  legalWorkingDays?: number;
}

export interface RoutingTable {
  route(maTTHC: string): Route | undefined;
  systems(): Set<SystemId>;
}

/** Loads `mappings/routes.json`, validated against `schemas/routes.schema.json`; a bad table stops the start. */
export function loadRoutingTable(path = repoPath('mappings', 'routes.json')): RoutingTable {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const validate = validator<{ routes: Record<string, Route> }>('routes.schema.json');
  if (!validate(raw)) {
    const v = toViolations(validate.errors);
    throw new Error(`routing table ${path} is invalid: ${v.map((x) => `${x.path} ${x.message}`).join('; ')}`);
  }
  const routes = raw.routes;
  return {
    route: (code) => (Object.prototype.hasOwnProperty.call(routes, code) ? routes[code] : undefined),
    systems: () => new Set(Object.values(routes).flatMap((r) => r.systems)),
  };
}

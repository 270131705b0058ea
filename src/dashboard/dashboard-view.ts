import type { WorkingCalendar } from '../calendar/working-calendar.js';
import { formatLocal } from '../domain/time.js';
import {
  classifyDossier,
  computeOnTimeReport,
  SYSTEM_LABELS,
  type DossierFacts,
  type OnTimeFigures,
} from '../reports/on-time.js';
import { emptyStateCounts, type DeliveryCounts, type WatchedState } from './delivery-counts.js';

export type BreakerState = 'open' | 'half-open' | 'closed';

export interface AgencyBar {
  agency: string;
  /** On-time rate in percent, one decimal. */
  rate: number;
  onTime: number;
  resolved: number;
}

export interface OverdueRow {
  MaHoSo: string;
  agency: string;
  /** Systems that still hold it, by their Vietnamese names. */
  holders: string[];
  lastHandler: string;
  /** The deadline with supplement time added, `dd/MM/yyyy HH:mm`. */
  deadline: string;
  /** Working days after the deadline's day up to today; 0 when it passed today. */
  workingDaysLate: number;
  apologyLetters: number;
}

export interface SystemRow {
  system: string;
  label: string;
  counts: Record<WatchedState, number>;
  breaker: BreakerState | null;
}

export interface DashboardView {
  period: { from: string; to: string };
  generatedAt: string;
  total: OnTimeFigures;
  bars: AgencyBar[];
  /** Agencies with dossiers but none resolved yet (no rate to draw). */
  agenciesWithoutRate: string[];
  overdue: OverdueRow[];
  overdueCount: number;
  systems: SystemRow[];
  /** False when breaker states are not known in this process (an `api`-only process). */
  breakersKnown: boolean;
}

export const OVERDUE_LIMIT = 100;

/**
 * Everything the dashboard shows, computed from the report's facts (the same rule as
 * `GET /v1/reports/on-time`), the delivery counts and the breaker states. Pure.
 */
export function buildDashboardView(input: {
  facts: readonly DossierFacts[];
  from: Date;
  to: Date;
  now: Date;
  calendar: WorkingCalendar;
  systems: readonly string[];
  deliveries: DeliveryCounts;
  breakers: Record<string, BreakerState> | null;
}): DashboardView {
  const { facts, from, to, now, calendar } = input;
  const report = computeOnTimeReport(facts, { from, to, now, groupBy: 'agency' }, calendar);
  const bars: AgencyBar[] = [];
  const agenciesWithoutRate: string[] = [];
  for (const g of report.groups) {
    if (g.onTimeRate === null) agenciesWithoutRate.push(g.label);
    else
      bars.push({
        agency: g.label,
        rate: Math.round(g.onTimeRate * 1000) / 10,
        onTime: g.resolvedOnTime,
        resolved: g.resolvedOnTime + g.resolvedLate,
      });
  }
  bars.sort((a, b) => a.rate - b.rate || a.agency.localeCompare(b.agency, 'vi'));

  const overdueAll: Array<OverdueRow & { at: number }> = [];
  for (const f of facts) {
    const t = f.receivedAt.getTime();
    if (t < from.getTime() || t > to.getTime()) continue;
    const s = classifyDossier(f, now, calendar);
    if (s.standing !== 'in-progress-overdue' || !s.effectiveDeadline) continue;
    overdueAll.push({
      at: s.effectiveDeadline.getTime(),
      MaHoSo: f.MaHoSo,
      agency: f.DonViXuLy,
      holders: (f.holdingSystems ?? f.systems).map((x) => SYSTEM_LABELS[x] ?? x),
      lastHandler: f.lastHandler ?? '',
      deadline: formatLocal(s.effectiveDeadline, 'dd/MM/yyyy HH:mm'),
      workingDaysLate: Math.max(0, calendar.workingDaysBetween(s.effectiveDeadline, now)),
      apologyLetters: f.apologyLetters,
    });
  }
  overdueAll.sort((a, b) => a.at - b.at || a.MaHoSo.localeCompare(b.MaHoSo));

  const ids = [...new Set([...input.systems, ...Object.keys(input.deliveries)])];
  const systems: SystemRow[] = ids.map((system) => ({
    system,
    label: SYSTEM_LABELS[system] ?? system,
    counts: input.deliveries[system] ?? emptyStateCounts(),
    breaker: input.breakers?.[system] ?? null,
  }));

  return {
    period: { from: formatLocal(from, 'dd/MM/yyyy'), to: formatLocal(to, 'dd/MM/yyyy') },
    generatedAt: formatLocal(now, 'dd/MM/yyyy HH:mm'),
    total: report.total,
    bars,
    agenciesWithoutRate,
    overdue: overdueAll.slice(0, OVERDUE_LIMIT).map(({ at: _at, ...row }) => row),
    overdueCount: overdueAll.length,
    systems,
    breakersKnown: input.breakers !== null,
  };
}

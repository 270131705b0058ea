/**
 * Reads a V8 CPU profile (`node --cpu-prof`, or a benchmark run with `LIENTHONG_BENCH_CPU_PROF=<dir>`)
 * and prints where the time went: self time by function and by package or source folder, and the
 * inclusive time of the gateway's own functions (time spent in them and in everything they call).
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--match src/] [--last S]
 *
 * The question it answers before optimising: is the time in our code, in ioredis/BullMQ (Redis
 * round trips, command encoding), in express/ajv, in JSON, or in the garbage collector?
 */
import { readFileSync } from 'node:fs';
import { argv, numArg } from './common.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = argv.find((a) => !a.startsWith('--') && a.endsWith('.cpuprofile'));
if (!file) {
  console.error(
    'usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--match src/] [--last S]',
  );
  process.exit(2);
}
const top = numArg('--top', 25);
const mi = argv.indexOf('--match');
const match = mi >= 0 ? (argv[mi + 1] ?? '/src/') : '/src/';

const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node: each sample's delta goes to the node that was on top of the stack.
// `--last S`: only the last S seconds of the profile (a benchmark's measured run comes last).
const lastUs = numArg('--last', 0) * 1e6;
const fromUs = lastUs > 0 ? profile.endTime - lastUs : -Infinity;
const self = new Map<number, number>();
let clock = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  clock += profile.timeDeltas[i] ?? 0;
  if (clock < fromUs) continue;
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) return '(native/vm)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return url;
  const own = /\/(src|adapters|bench|mappings)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]!.split('/').slice(0, -1).join('/') || '.'}`;
  return url;
}
function label(n: ProfileNode): string {
  const f = n.callFrame;
  const short = f.url.replace(/^.*\/(node_modules|src|adapters|bench)\//, '$1/');
  return `${f.functionName || '(anonymous)'}  ${short}:${f.lineNumber + 1}`;
}
const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;

function printTop(title: string, m: Map<string, number>, n = top): void {
  console.log(`\n${title}`);
  for (const [k, v] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${ms(v)} ${pct(v)}  ${k}`);
  }
}

const selfByFn = new Map<string, number>();
const selfByWhere = new Map<string, number>();
for (const [id, us] of self) {
  const n = byId.get(id)!;
  const l = label(n);
  selfByFn.set(l, (selfByFn.get(l) ?? 0) + us);
  const w =
    n.callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : where(n.callFrame.url);
  selfByWhere.set(w, (selfByWhere.get(w) ?? 0) + us);
}

// Inclusive time of our own functions: walk each sampled stack once, counting a function once per
// sample even when it recurses.
const incl = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (!n.callFrame.url.includes(match)) continue;
    const l = label(n);
    if (seen.has(l)) continue;
    seen.add(l);
    incl.set(l, (incl.get(l) ?? 0) + us);
  }
}

// Inclusive time by package / folder: a sample counts once for every package on its stack, so
// 'axios 20%' means a fifth of the samples had axios somewhere on the stack (it and its callees).
const inclWhere = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const n = byId.get(cur)!;
    if (!n.callFrame.url || n.callFrame.url.startsWith('node:')) continue;
    const w = where(n.callFrame.url);
    if (seen.has(w)) continue;
    seen.add(w);
    inclWhere.set(w, (inclWhere.get(w) ?? 0) + us);
  }
}

const idle = selfByFn.get('(idle)  :0') ?? 0;
console.log(
  `profile ${file}: ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s, ` +
    `${profile.samples.length} samples, busy ${ms(total - idle).trim()} (${pct(total - idle).trim()})`,
);
printTop('self time by package / folder', selfByWhere, 20);
printTop('inclusive time by package / folder (on the stack)', inclWhere, 30);
printTop('self time by function', selfByFn);
printTop(`inclusive time of functions whose file matches '${match}'`, incl);

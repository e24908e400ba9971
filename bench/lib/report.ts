/**
 * The table: printed, and written into docs/benchmarks.md as one block per --size (a later run at
 * the same size replaces its block; other sizes stay), each with the machine and the command, plus
 * a scale table built from every block's embedded figures.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult } from './load.js';
import { BENCH_DIR } from './paths.js';
import type { SeedResult } from './seed.js';

export type TargetName = 'sesame' | 'sesame-2' | 'floor' | 'better-auth';
export type OpName = 'me' | 'refresh' | 'passkey' | 'email';

export interface OpRecord {
  target: TargetName;
  op: OpName;
  label: string;
  result: LoadResult | null;
  note?: string;
}

export interface RunInfo {
  size: number;
  connections: number;
  durationSec: number;
  warmupSec: number;
  targets: TargetName[];
  ops: OpName[];
  seeds: Partial<Record<TargetName, SeedResult>>;
  storage?: Partial<Record<TargetName, StorageFigures>>;
  notes: string[];
  totalSec: number;
  command: string;
  date: string;
}

const OP_TITLE: Record<OpName, string> = {
  me: 'authenticated call',
  refresh: 'refresh rotation',
  passkey: 'passkey sign-in verify',
  email: 'email link verify',
};
const TARGET_TITLE: Record<TargetName, string> = {
  sesame: 'Sesame',
  'sesame-2': 'Sesame (WEB_CONCURRENCY=2)',
  floor: 'bare floor',
  'better-auth': 'better-auth',
};

/** What each target's database holds per user, after seeding and after the run's rotations. */
export interface StorageFigures {
  users: number;
  seededBytes: number;
  afterBytes: number;
  /** Rotations the run performed (from the database itself). */
  rotations: number;
  /** Rows of the refresh-token table after the run (0 where none is kept). */
  tokenRows: number;
}

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '—');
const f = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '—');

export function machine(): Record<string, string> {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let nproc = String(os.cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    /* keep os.cpus() */
  }
  const version = (pkg: string) => {
    try {
      return (
        JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'node_modules', pkg, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    nproc,
    cpu: model,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    autocannon: version('autocannon'),
    'better-auth': version('better-auth'),
  };
}

function byKey(records: OpRecord[]) {
  const m = new Map<string, OpRecord>();
  for (const r of records) m.set(`${r.target}:${r.op}`, r);
  return (t: TargetName, op: OpName) => m.get(`${t}:${op}`);
}

interface Check {
  target: string;
  figure: string;
  met: boolean | null;
}

export function checks(records: OpRecord[], info: RunInfo): Check[] {
  const get = byKey(records);
  const out: Check[] = [];
  for (const op of info.ops) {
    const s = get('sesame', op)?.result;
    const fl = get('floor', op)?.result;
    if (s && fl)
      out.push({
        target: `${OP_TITLE[op]} ≥ 80% of its floor`,
        figure: `${((100 * s.rps) / fl.rps).toFixed(0)}%`,
        met: s.rps >= 0.8 * fl.rps,
      });
  }
  const pairs: [OpName, string, number][] = [
    ['refresh', '/auth/refresh ≥ 5× better-auth /token', 5],
    ['me', '/api/me ≥ 5× better-auth get-session', 5],
    ['email', 'email verify ≥ 3× better-auth magic-link verify', 3],
    ['passkey', "passkey sign-in beats better-auth's", 1],
  ];
  for (const [op, title, times] of pairs) {
    const s = get('sesame', op)?.result;
    const b = get('better-auth', op)?.result;
    if (s && b && b.rps > 0)
      out.push({
        target: title,
        figure: ratio(s.rps, b.rps),
        met: s.rps > times * b.rps || (times > 1 && s.rps >= times * b.rps),
      });
  }
  for (const op of info.ops) {
    const s = get('sesame', op)?.result;
    if (s) out.push({ target: `${OP_TITLE[op]}: p99 < 50 ms`, figure: `${s.p99} ms`, met: s.p99 < 50 });
  }
  return out;
}

function table(records: OpRecord[], info: RunInfo): string {
  const get = byKey(records);
  const lines = [
    '| operation | Sesame req/s | p50 / p99 ms | CPU ms/req | floor req/s | p50 / p99 ms | CPU ms/req | Sesame/floor | better-auth (route) | req/s | p50 / p99 ms | CPU ms/req | Sesame/better-auth |',
    '|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|',
  ];
  for (const op of info.ops) {
    const s = get('sesame', op);
    const fl = get('floor', op);
    const b = get('better-auth', op);
    const cells = (r?: OpRecord) =>
      r?.result
        ? [n0(r.result.rps), `${r.result.p50} / ${r.result.p99}`, f(r.result.cpuMsPerRequest, 3)]
        : [r?.note ? `n/a (${r.note})` : '—', '—', '—'];
    lines.push(
      `| ${OP_TITLE[op]} (${s?.label ?? fl?.label ?? op}) | ${cells(s).join(' | ')} | ${cells(fl).join(' | ')} | ${ratio(s?.result?.rps, fl?.result?.rps)} | ` +
        `${b?.result ? b.label : '—'} | ${b?.result ? cells(b).join(' | ') : '— | — | —'} | ${ratio(s?.result?.rps, b?.result?.rps)} |`,
    );
  }
  return lines.join('\n');
}

function errorsTable(records: OpRecord[]): string {
  const lines = [
    '| target | route | requests | non-2xx | refused by the driver | socket errors | timeouts | note |',
    '|---|---|--:|--:|--:|--:|--:|---|',
  ];
  for (const r of records) {
    const x = r.result;
    lines.push(
      `| ${TARGET_TITLE[r.target]} | ${r.label} | ${x ? n0(x.requests) : '—'} | ${x ? x.non2xx : '—'} | ${x ? x.failed : '—'} | ${x ? x.errors : '—'} | ${x ? x.timeouts : '—'} | ${
        r.note ?? (x?.exhausted ? `prepared pool used up after ${x.elapsedSec.toFixed(1)} s` : '')
      } |`,
    );
  }
  return lines.join('\n');
}

function storageTable(info: RunInfo): string {
  const rows = (Object.entries(info.storage ?? {}) as [TargetName, StorageFigures][]).filter(([t]) => t !== 'sesame-2');
  if (rows.length === 0) return '';
  const lines = [
    'Storage (dbstat pages of the user, session, refresh-token and passkey tables with their indexes; one session and one passkey per user; "after" is taken right after the refresh run, before the sign-ins add sessions):',
    '',
    '| target | bytes per user, seeded | rotations in the run | refresh-token rows after | bytes per user after the rotations | bytes added per rotation |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const [t, x] of rows) {
    const perRotation = x.rotations > 0 ? (x.afterBytes - x.seededBytes) / x.rotations : NaN;
    lines.push(
      `| ${TARGET_TITLE[t]} | ${n0(x.seededBytes / x.users)} | ${n0(x.rotations)} | ${n0(x.tokenRows)} | ${n0(x.afterBytes / x.users)} | ${Number.isFinite(perRotation) ? n0(perRotation) : '—'} |`,
    );
  }
  return lines.join('\n');
}

function processesTable(records: OpRecord[], info: RunInfo): string {
  const get = byKey(records);
  if (!info.ops.some((op) => get('sesame-2', op)?.result)) return '';
  const lines = [
    'Sesame with one process and with `WEB_CONCURRENCY=2` (a primary and two workers; CPU summed over all of them):',
    '',
    '| operation | N=1 CPU ms/req | N=1 req/s | N=2 CPU ms/req | N=2 req/s | N=2 p99 ms |',
    '|---|--:|--:|--:|--:|--:|',
  ];
  for (const op of info.ops) {
    const a = get('sesame', op)?.result;
    const b = get('sesame-2', op)?.result;
    lines.push(
      `| ${OP_TITLE[op]} | ${a ? f(a.cpuMsPerRequest, 3) : '—'} | ${a ? n0(a.rps) : '—'} | ${b ? f(b.cpuMsPerRequest, 3) : '—'} | ${b ? n0(b.rps) : '—'} | ${b ? b.p99 : '—'} |`,
    );
  }
  return lines.join('\n');
}

export function printReport(records: OpRecord[], info: RunInfo): void {
  console.log(`\n${table(records, info)}\n`);
  const extra = [processesTable(records, info), storageTable(info)].filter(Boolean);
  for (const e of extra) console.log(`${e}\n`);
  console.log(`${errorsTable(records)}\n`);
  for (const c of checks(records, info)) console.log(`${c.met ? 'MET   ' : 'MISSED'}  ${c.target}: ${c.figure}`);
  for (const n of info.notes) console.log(`note: ${n}`);
  console.log(`total ${info.totalSec.toFixed(0)} s`);
}

const SKELETON = `# Benchmarks

Generated by \`npm run bench\` (see bench/run.ts); the blocks between the \`bench:run\` markers are
rewritten by the runner, one per \`--size\`.

<!-- bench:scale begin -->
<!-- bench:scale end -->

<!-- bench:runs begin -->
<!-- bench:runs end -->
`;

interface Embedded {
  size: number;
  date: string;
  ops: Partial<Record<OpName, { rps: number; p50: number; p99: number; cpu: number }>>;
}

function section(records: OpRecord[], info: RunInfo): string {
  const m = machine();
  const seedLine = (Object.entries(info.seeds) as [TargetName, SeedResult][])
    .map(
      ([t, s]) =>
        `${TARGET_TITLE[t]} ${n0(s.users)} users / ${n0(s.sessions)} sessions, ${(s.ms / 1000).toFixed(1)} s, ${(s.fileBytes / 1e6).toFixed(0)} MB`,
    )
    .join('; ');
  const embedded: Embedded = {
    size: info.size,
    date: info.date,
    ops: Object.fromEntries(
      records
        .filter((r) => r.target === 'sesame' && r.result)
        .map((r) => [
          r.op,
          {
            rps: Math.round(r.result!.rps),
            p50: r.result!.p50,
            p99: r.result!.p99,
            cpu: Number(r.result!.cpuMsPerRequest.toFixed(3)),
          },
        ]),
    ),
  };
  const checkLines = checks(records, info).map((c) => `| ${c.target} | ${c.figure} | ${c.met ? 'met' : 'missed'} |`);
  return [
    `<!-- bench:run size=${info.size} begin -->`,
    `### ${n0(info.size)} sessions — ${info.date.slice(0, 10)}`,
    '',
    `Command: \`${info.command}\` (${info.connections} connections, ${info.durationSec} s per operation after ${info.warmupSec} s of warm-up; whole run ${info.totalSec.toFixed(0)} s).`,
    '',
    `Machine: ${m.nproc} CPUs (\`nproc\`), ${m.cpu}, ${m.memory} RAM, Node ${m.node}, ${m.os}; autocannon ${m.autocannon}, better-auth ${m['better-auth']}. Server and load generator share the machine.`,
    '',
    `Seeded: ${seedLine}.`,
    '',
    ...info.notes.map((n) => `- ${n}`),
    '',
    table(records, info),
    '',
    ...[processesTable(records, info), storageTable(info)].filter(Boolean).flatMap((t) => [t, '']),
    '| target | figure | |',
    '|---|--:|---|',
    ...checkLines,
    '',
    '<details><summary>Requests, errors and notes</summary>',
    '',
    errorsTable(records),
    '',
    '</details>',
    '',
    `<!-- bench-data ${JSON.stringify(embedded)} -->`,
    `<!-- bench:run size=${info.size} end -->`,
  ].join('\n');
}

function scaleTable(doc: string): string {
  const runs: Embedded[] = [];
  for (const m of doc.matchAll(/<!-- bench-data (\{.*?\}) -->/g)) {
    try {
      runs.push(JSON.parse(m[1]!) as Embedded);
    } catch {
      /* ignore a hand-edited block */
    }
  }
  if (runs.length === 0) return '';
  runs.sort((a, b) => a.size - b.size);
  const ops: OpName[] = ['me', 'refresh', 'passkey', 'email'];
  const head = `| Sesame at | ${ops.map((o) => `${OP_TITLE[o]}: server CPU ms/req · req/s · p99 ms`).join(' | ')} |`;
  const cell = (x?: { rps: number; p99: number; cpu: number }) =>
    x ? `${f(x.cpu, 2)} · ${n0(x.rps)} · ${x.p99}` : '—';
  const rows = runs.map(
    (r) => `| ${n0(r.size)} sessions (${r.date.slice(0, 10)}) | ${ops.map((o) => cell(r.ops[o])).join(' | ')} |`,
  );
  return [
    'Sesame across database sizes (one line per `--size` block below). Server CPU per request is the figure to compare between',
    'runs: requests per second and latency also move with whatever else the shared machine is doing.',
    '',
    head,
    `|---|${ops.map(() => '--:').join('|')}|`,
    ...rows,
  ].join('\n');
}

/** Rebuilds only the scale table from the blocks already in the file. */
export function refreshScale(file: string): void {
  const doc = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(
    file,
    doc.replace(
      /<!-- bench:scale begin -->[\s\S]*?<!-- bench:scale end -->/,
      () => `<!-- bench:scale begin -->\n${scaleTable(doc)}\n<!-- bench:scale end -->`,
    ),
  );
}

export async function writeReport(file: string, records: OpRecord[], info: RunInfo): Promise<void> {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : SKELETON;
  if (!doc.includes('<!-- bench:runs end -->')) doc += '\n<!-- bench:runs begin -->\n<!-- bench:runs end -->\n';
  if (!doc.includes('<!-- bench:scale end -->'))
    doc = doc.replace(
      '<!-- bench:runs begin -->',
      '<!-- bench:scale begin -->\n<!-- bench:scale end -->\n\n<!-- bench:runs begin -->',
    );
  const block = section(records, info);
  const existing = new RegExp(
    `<!-- bench:run size=${info.size} begin -->[\\s\\S]*?<!-- bench:run size=${info.size} end -->`,
  );
  if (existing.test(doc)) doc = doc.replace(existing, () => block);
  else doc = doc.replace('<!-- bench:runs end -->', () => `${block}\n\n<!-- bench:runs end -->`);
  doc = doc.replace(
    /<!-- bench:scale begin -->[\s\S]*?<!-- bench:scale end -->/,
    () => `<!-- bench:scale begin -->\n${scaleTable(doc)}\n<!-- bench:scale end -->`,
  );
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, doc);
}

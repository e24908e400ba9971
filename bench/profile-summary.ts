/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof --keep`, written under the kept
 * temp directory's sesame/profiles/): self time by function and by package or source file, and
 * total (inclusive) time of Sesame's own functions.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top 25] [--from S] [--busy]
 *
 * --from S leaves out the first S seconds (the server's start: module loading and compiling);
 * --busy gives shares of the busy time (idle samples left out), so runs on a busier or quieter
 * machine compare.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({
  options: {
    top: { type: 'string', default: '25' },
    from: { type: 'string', default: '0' },
    busy: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const file = positionals[0];
if (!file) {
  console.error('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const fromUs = Number(values.from) * 1e6;
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const selfUs = new Map<number, number>();
let elapsedUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  elapsedUs += profile.timeDeltas[i] ?? 0;
  if (elapsedUs < fromUs || (values.busy && idle.has(id))) continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(frame: CallFrame): string {
  const url = frame.url.replace(/^file:\/\//, '');
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src|bench|test)\/(.+)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url;
  return url ? url : `(${frame.functionName || 'native'})`;
}
const label = (f: CallFrame) => `${f.functionName || '(anonymous)'} ${where(f)}:${f.lineNumber + 1}`;

const selfByFn = new Map<string, number>();
const selfByWhere = new Map<string, number>();
const inclusiveOwn = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id)!;
  selfByFn.set(label(node.callFrame), (selfByFn.get(label(node.callFrame)) ?? 0) + us);
  selfByWhere.set(where(node.callFrame), (selfByWhere.get(where(node.callFrame)) ?? 0) + us);
  // Inclusive time of every src/ function on the stack (counted once per sample and function).
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    if (!/\/src\//.test(f.url)) continue;
    const key = label(f);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusiveOwn.set(key, (inclusiveOwn.get(key) ?? 0) + us);
  }
}

const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
const show = (title: string, m: Map<string, number>, n = top) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n))
    console.log(`${pct(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
};
console.log(
  `${file}: ${(total / 1e6).toFixed(1)} s sampled${fromUs > 0 ? ` after the first ${values.from} s` : ''}${values.busy ? ' (busy time only: idle left out)' : ''}`,
);
show('Self time by package / source file', selfByWhere);
show('Self time by function', selfByFn);
show("Inclusive time of Sesame's own functions (src/)", inclusiveOwn);

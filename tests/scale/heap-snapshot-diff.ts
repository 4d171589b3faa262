/**
 * What grew between two V8 heap snapshots of one process: object count and self size by constructor
 * (or by node type for strings, code, arrays). A leak shows as a class whose count climbs with the
 * work done between the snapshots; heap sizing shows as nothing here and growth in RSS alone.
 *
 *   node tests/scale/heap-snapshot-diff.ts before.heapsnapshot after.heapsnapshot [--top 25]
 *
 * Snapshots come from `node --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=DIR` and `kill -USR2`
 * (NODE_OPTIONS works for a service), or from the inspector.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatTable } from '../chaos/campaign-invariants.ts';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface ClassTotals {
  count: number;
  selfBytes: number;
}

/** Count and self size per class: constructor name for objects, node type for everything else. */
export function totalsByClass(snapshot: Snapshot): Map<string, ClassTotals> {
  const fields = snapshot.snapshot.meta.node_fields;
  const typeNames = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const totals = new Map<string, ClassTotals>();
  for (let i = 0; i < snapshot.nodes.length; i += stride) {
    const type = typeNames[snapshot.nodes[i + typeAt]!] ?? 'unknown';
    const key =
      type === 'object' || type === 'closure' || type === 'native'
        ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]!]}`
        : `(${type})`;
    const entry = totals.get(key) ?? { count: 0, selfBytes: 0 };
    entry.count++;
    entry.selfBytes += snapshot.nodes[i + sizeAt]!;
    totals.set(key, entry);
  }
  return totals;
}

export function diffTotals(before: Map<string, ClassTotals>, after: Map<string, ClassTotals>) {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .map((key) => {
      const a = before.get(key) ?? { count: 0, selfBytes: 0 };
      const b = after.get(key) ?? { count: 0, selfBytes: 0 };
      return { key, count: b.count - a.count, selfBytes: b.selfBytes - a.selfBytes, countAfter: b.count, bytesAfter: b.selfBytes };
    })
    .sort((x, y) => Math.abs(y.selfBytes) - Math.abs(x.selfBytes));
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  if (positionals.length !== 2) {
    console.error('usage: node tests/scale/heap-snapshot-diff.ts before.heapsnapshot after.heapsnapshot [--top 25]');
    process.exit(2);
  }
  const [before, after] = positionals.map((path) => totalsByClass(JSON.parse(readFileSync(path, 'utf8')) as Snapshot));
  const sum = (m: Map<string, ClassTotals>) =>
    [...m.values()].reduce((a, t) => ({ count: a.count + t.count, selfBytes: a.selfBytes + t.selfBytes }), { count: 0, selfBytes: 0 });
  const [tb, ta] = [sum(before!), sum(after!)];
  console.log(`objects ${tb.count} -> ${ta.count}, self bytes ${tb.selfBytes} -> ${ta.selfBytes}`);
  console.log(
    formatTable(
      diffTotals(before!, after!)
        .slice(0, Number(values.top))
        .map((d) => ({
          class: d.key.slice(0, 70),
          'count change': d.count,
          'bytes change': d.selfBytes,
          'count after': d.countAfter,
          'bytes after': d.bytesAfter,
        })),
    ),
  );
}

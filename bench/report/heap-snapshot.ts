// Self size and count of heap objects by constructor, from a V8 .heapsnapshot: two of them
// (before and after opening N idle connections) show what one connection keeps alive.
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface ConstructorTotals {
  count: number;
  bytes: number;
}

export function totalsByConstructor(snapshot: Snapshot): Map<string, ConstructorTotals> {
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snapshot.snapshot.meta.node_types[0];
  const totals = new Map<string, ConstructorTotals>();
  for (let index = 0; index < snapshot.nodes.length; index += width) {
    const type = types[snapshot.nodes[index + typeAt]!]!;
    const name = type === 'object' || type === 'closure' ? snapshot.strings[snapshot.nodes[index + nameAt]!]! : `(${type})`;
    const key = type === 'closure' ? `closure ${name || '(anonymous)'}` : name;
    const entry = totals.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[index + sizeAt]!;
    totals.set(key, entry);
  }
  return totals;
}

/** Per-connection growth by constructor, largest first. */
export function perConnection(before: Map<string, ConstructorTotals>, after: Map<string, ConstructorTotals>, connections: number) {
  const rows: { name: string; count: number; bytes: number }[] = [];
  for (const [name, totals] of after) {
    const base = before.get(name) ?? { count: 0, bytes: 0 };
    rows.push({ name, count: (totals.count - base.count) / connections, bytes: (totals.bytes - base.bytes) / connections });
  }
  return rows.sort((a, b) => b.bytes - a.bytes);
}

// Reads a V8 .cpuprofile (from `node --cpu-prof`) into self and inclusive time per function,
// and per origin (upsocket's src, ws, the framework, node internals, GC), for the profile report.
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  name: string;
  origin: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: FunctionTime[];
  origins: { origin: string; selfMs: number }[];
}

export function originOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(program)' || name === '(idle)' || url === '') return name.startsWith('(') ? name : 'native';
  if (url.includes('/src/core/')) return 'upsocket core';
  if (url.includes('/src/adapters/')) return 'upsocket adapter';
  if (/\/src\/(client|topics|testing)\//.test(url)) return 'upsocket client/topics/testing';
  if (url.includes('/bench/')) return 'bench server';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match !== null) return match[1]!;
  if (url.startsWith('node:')) return 'node internals';
  return 'other';
}

function shortUrl(url: string): string {
  const index = Math.max(url.lastIndexOf('node_modules/'), url.lastIndexOf('/src/'), url.lastIndexOf('/bench/'));
  return index >= 0 ? url.slice(index).replace(/^node_modules\//, '') : url.replace(/^node:internal\//, 'node:');
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const keyOf = (node: ProfileNode): string => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
  };
  const functions = new Map<string, FunctionTime>();
  // Inclusive time, counting each function once per stack even when it recurses.
  const walk = (node: ProfileNode, onStack: Set<string>): number => {
    let total = self.get(node.id) ?? 0;
    const key = keyOf(node);
    const entry = functions.get(key) ?? { name: key, origin: originOf(node.callFrame.url, node.callFrame.functionName), selfMs: 0, totalMs: 0 };
    functions.set(key, entry);
    entry.selfMs += self.get(node.id) ?? 0;
    const nested = onStack.has(key);
    onStack.add(key);
    for (const child of node.children ?? []) total += walk(byId.get(child)!, onStack);
    if (!nested) {
      onStack.delete(key);
      entry.totalMs += total;
    }
    return total;
  };
  const root = profile.nodes[0]!;
  const totalMs = walk(root, new Set());
  const origins = new Map<string, number>();
  for (const entry of functions.values()) origins.set(entry.origin, (origins.get(entry.origin) ?? 0) + entry.selfMs);
  const idleMs = origins.get('(idle)') ?? 0;
  return {
    totalMs,
    idleMs,
    functions: [...functions.values()].filter((entry) => entry.origin !== '(idle)'),
    origins: [...origins.entries()].map(([origin, selfMs]) => ({ origin, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

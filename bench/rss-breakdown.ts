import { readFileSync } from 'node:fs';

/**
 * A process's resident memory by mapping (Linux /proc/<pid>/smaps): the node binary's pages,
 * anonymous memory (V8 heap pages, malloc arenas, stacks), [heap] (brk malloc), shared libraries.
 * Shows what RSS is made of before trying to cut it.
 */
export function rssBreakdown(pid: number, top = 8): string {
  const groups = new Map<string, number>();
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      name = mapping[1] ? mapping[1].split('/').pop()! : '[anon]';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) groups.set(name, (groups.get(name) ?? 0) + Number(rss[1]));
  }
  const total = [...groups.values()].reduce((a, b) => a + b, 0);
  const rows = [...groups].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [`RSS ${(total / 1024).toFixed(1)} MB:`, ...rows.map(([k, v]) => `  ${(v / 1024).toFixed(1).padStart(6)} MB  ${k}`)].join('\n');
}

/**
 * Compares two V8 heap snapshots of one process (e.g. `B5_SNAPSHOT_DIR`'s
 * `b5-<transport>-before/after.heapsnapshot`): the object groups (node type + constructor or
 * string/code name) that grew the most, and, for the top groups, the shortest retaining path from
 * the GC roots of a few objects that exist only in the later snapshot (V8 keeps an object's id
 * across snapshots of the same isolate).
 *
 * `npx tsx bench/b5-heapdiff.ts before.heapsnapshot after.heapsnapshot [groups=12] [paths=4]`;
 * `B5_HEAPDIFF_WATCH=RTCPeerConnection,Session` also prints the counts of the groups whose name
 * contains one of those words.
 */
import { readFileSync } from "node:fs";

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Heap {
  count: number;
  nf: number;
  ef: number;
  type(i: number): string;
  name(i: number): string;
  id(i: number): number;
  size(i: number): number;
  /** First edge index (in edges / ef) of node i; edges of i are [firstEdge[i], firstEdge[i+1]). */
  firstEdge: Uint32Array;
  edgeType(e: number): string;
  edgeName(e: number): string;
  edgeTo(e: number): number;
}

function load(path: string): Heap {
  const s = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
  const m = s.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const [nType, nName, nId, nSize, nEdges] = ["type", "name", "id", "self_size", "edge_count"].map(
    (f) => m.node_fields.indexOf(f),
  ) as [number, number, number, number, number];
  const [eType, eName, eTo] = ["type", "name_or_index", "to_node"].map((f) =>
    m.edge_fields.indexOf(f),
  ) as [number, number, number];
  const nodeTypes = m.node_types[0];
  const edgeTypes = m.edge_types[0];
  const count = s.nodes.length / nf;
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += s.nodes[i * nf + nEdges] as number;
    firstEdge[i + 1] = e;
  }
  return {
    count,
    nf,
    ef,
    type: (i) => nodeTypes[s.nodes[i * nf + nType] as number] ?? "?",
    name: (i) => s.strings[s.nodes[i * nf + nName] as number] ?? "?",
    id: (i) => s.nodes[i * nf + nId] as number,
    size: (i) => s.nodes[i * nf + nSize] as number,
    firstEdge,
    edgeType: (e) => edgeTypes[s.edges[e * ef + eType] as number] ?? "?",
    edgeName(e) {
      const t = this.edgeType(e);
      const v = s.edges[e * ef + eName] as number;
      return t === "element" || t === "hidden" ? `[${v}]` : (s.strings[v] ?? "?");
    },
    edgeTo: (e) => (s.edges[e * ef + eTo] as number) / nf,
  };
}

function group(h: Heap, i: number): string {
  const t = h.type(i);
  const n = h.name(i);
  if (t === "string" || t === "concatenated string" || t === "sliced string") return `(${t})`;
  if (t === "code") return "(code)";
  return `${t}:${n.length > 60 ? `${n.slice(0, 60)}…` : n}`;
}

function groups(h: Heap): Map<string, { count: number; size: number; nodes: number[] }> {
  const out = new Map<string, { count: number; size: number; nodes: number[] }>();
  for (let i = 0; i < h.count; i++) {
    const g = group(h, i);
    let v = out.get(g);
    if (!v) {
      v = { count: 0, size: 0, nodes: [] };
      out.set(g, v);
    }
    v.count++;
    v.size += h.size(i);
    v.nodes.push(i);
  }
  return out;
}

/** Shortest paths from the root (node 0), not through weak edges: parent node and edge. */
function bfs(h: Heap): { parent: Int32Array; via: Int32Array } {
  const parent = new Int32Array(h.count).fill(-1);
  const via = new Int32Array(h.count).fill(-1);
  const queue = new Int32Array(h.count);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  parent[0] = 0;
  while (head < tail) {
    const n = queue[head++] as number;
    for (let e = h.firstEdge[n] as number; e < (h.firstEdge[n + 1] as number); e++) {
      const t = h.edgeType(e);
      if (t === "weak" || t === "shortcut") continue;
      const to = h.edgeTo(e);
      if (parent[to] !== -1) continue;
      parent[to] = n;
      via[to] = e;
      queue[tail++] = to;
    }
  }
  return { parent, via };
}

function pathOf(h: Heap, tree: { parent: Int32Array; via: Int32Array }, i: number): string {
  const parts: string[] = [];
  let n = i;
  for (let guard = 0; n !== 0 && guard < 40; guard++) {
    const p = tree.parent[n] as number;
    if (p === -1) return "(unreachable from the roots: weak or about to be collected)";
    parts.push(`${h.edgeName(tree.via[n] as number)} → ${group(h, n)}`);
    n = p;
  }
  return parts.reverse().join("\n      ");
}

const [beforePath, afterPath, nGroups = "12", nPaths = "4"] = process.argv.slice(2);
if (!beforePath || !afterPath) {
  console.error("usage: tsx bench/b5-heapdiff.ts before.heapsnapshot after.heapsnapshot");
  process.exit(2);
}
const before = load(beforePath);
const after = load(afterPath);
const gb = groups(before);
const ga = groups(after);
const beforeIds = new Set<number>();
for (let i = 0; i < before.count; i++) beforeIds.add(before.id(i));
const rows = [...ga.entries()]
  .map(([g, a]) => {
    const b = gb.get(g);
    return { g, dCount: a.count - (b?.count ?? 0), dSize: a.size - (b?.size ?? 0), a };
  })
  .sort((x, y) => y.dSize - x.dSize);
const total = (m: Map<string, { size: number }>) =>
  [...m.values()].reduce((s, v) => s + v.size, 0) / 1024;
console.log(
  `heap: ${total(gb).toFixed(0)} KiB → ${total(ga).toFixed(0)} KiB (${before.count} → ${after.count} objects)`,
);
console.log("grown groups (Δ self size KiB, Δ count, group):");
const top = rows.slice(0, Number(nGroups));
for (const r of top) {
  console.log(
    `  ${(r.dSize / 1024).toFixed(1).padStart(9)}  ${String(r.dCount).padStart(7)}  ${r.g}`,
  );
}
console.log("most grown in count (Δ count, Δ self size KiB, group):");
for (const r of [...rows].sort((x, y) => y.dCount - x.dCount).slice(0, Number(nGroups))) {
  console.log(
    `  ${String(r.dCount).padStart(7)}  ${(r.dSize / 1024).toFixed(1).padStart(9)}  ${r.g}`,
  );
}
const watch = process.env.B5_HEAPDIFF_WATCH?.split(",") ?? [];
for (const w of watch) {
  const a = [...ga.entries()].filter(([g]) => g.includes(w));
  for (const [g, v] of a) console.log(`  watch ${g}: ${gb.get(g)?.count ?? 0} → ${v.count}`);
}
const tree = bfs(after);
// Objects in both snapshots that grew in place (a backing store of a growing Map, Set or array).
const beforeSize = new Map<number, number>();
for (let i = 0; i < before.count; i++) beforeSize.set(before.id(i), before.size(i));
const grewInPlace: { i: number; d: number }[] = [];
for (let i = 0; i < after.count; i++) {
  const b = beforeSize.get(after.id(i));
  if (b !== undefined && after.size(i) - b > 0) grewInPlace.push({ i, d: after.size(i) - b });
}
grewInPlace.sort((x, y) => y.d - x.d);
const freshBig: number[] = [];
for (let i = 0; i < after.count; i++) {
  if (!beforeIds.has(after.id(i)) && after.size(i) >= 4096) freshBig.push(i);
}
freshBig.sort((x, y) => after.size(y) - after.size(x));
console.log("\nlargest new objects (≥ 4 KiB; size bytes, retaining path):");
for (const i of freshBig.slice(0, Number(nPaths))) {
  console.log(
    `  ${after.size(i)} ${group(after, i)} @${after.id(i)}:\n      ${pathOf(after, tree, i)}`,
  );
}
console.log("\nobjects grown in place (Δ self size bytes, size now, retaining path):");
for (const { i, d } of grewInPlace.slice(0, Number(nPaths))) {
  console.log(
    `  +${d} (${after.size(i)}) ${group(after, i)} @${after.id(i)}:\n      ${pathOf(after, tree, i)}`,
  );
}
console.log("\nretaining paths of new objects (root first):");
for (const r of top.filter((x) => x.dCount > 0).slice(0, Number(nPaths))) {
  const fresh = r.a.nodes.filter((i) => !beforeIds.has(after.id(i)));
  console.log(`  ${r.g}: ${fresh.length} new objects; e.g.`);
  for (const i of fresh.slice(-2))
    console.log(`    @${after.id(i)}:\n      ${pathOf(after, tree, i)}`);
}

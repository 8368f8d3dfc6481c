// Seeing the tape: toDot (Graphviz), toSvg (a self-contained layered drawing, no Graphviz
// needed) and trace (a log line per op). Ops recorded by a backward pass with createGraph are
// marked, so a second-order graph shows its backward as part of it.
import { ArgumentError, describe, expectFunction, fmtShape } from '../errors.ts';
import { Tensor, expectTensor } from './tensor.ts';
import { setTraceHook } from './tape.ts';

interface GraphNode {
  id: number;
  label: string;
  kind: 'op' | 'backward' | 'leaf' | 'param';
  inputs: number[];
}

/** The graph that produced `roots`, inputs first. Leaves with requiresGrad are 'param'. */
function collect(roots: readonly Tensor[]): GraphNode[] {
  const ids = new Map<Tensor, number>();
  const nodes: GraphNode[] = [];
  const visit = (t: Tensor): number => {
    const known = ids.get(t);
    if (known !== undefined) return known;
    const inputs = t.node ? t.node.inputs.map(visit) : [];
    const id = nodes.length;
    ids.set(t, id);
    const shape = fmtShape(t.shape);
    if (t.node) {
      const back = t.node.backwardOf;
      nodes.push({ id, label: back ? `${t.node.op} ${shape}\\n(backward of ${back})` : `${t.node.op} ${shape}`, kind: back ? 'backward' : 'op', inputs });
    } else {
      nodes.push({ id, label: `${t.requiresGrad ? 'param' : 'input'} ${shape}`, kind: t.requiresGrad ? 'param' : 'leaf', inputs });
    }
    return id;
  };
  roots.forEach(visit);
  return nodes;
}

const COLORS = { op: '#dbe9f6', backward: '#fde2cf', leaf: '#eeeeee', param: '#d9f2d9' };

/** The tensors a drawing starts from: one, or an array, each checked. */
function drawingRoots(op: string, root: unknown): Tensor[] {
  const list = Array.isArray(root) ? root : [root];
  list.forEach((t, i) => expectTensor(op, t, Array.isArray(root) ? `root[${i}]` : 'root'));
  return list;
}

/**
 * The tape behind a tensor as Graphviz DOT: nodes are ops with their output shapes (leaves are
 * inputs or parameters), edges are data flow.
 * @example toDot(sum(tanh(x))) // 'digraph tape { ... }'
 */
export function toDot(root: Tensor | readonly Tensor[]): string {
  const nodes = collect(drawingRoots('toDot', root));
  const lines = ['digraph tape {', '  rankdir=LR;', '  node [shape=box, style="rounded,filled", fontname="Helvetica"];'];
  for (const n of nodes) lines.push(`  n${n.id} [label="${n.label}", fillcolor="${COLORS[n.kind]}"];`);
  for (const n of nodes) for (const i of n.inputs) lines.push(`  n${i} -> n${n.id};`);
  lines.push('}');
  return lines.join('\n');
}

/**
 * The tape as a standalone SVG: one column per depth (longest path from the leaves), inputs
 * on the left; blue boxes are forward ops, orange ones were recorded by a backward pass.
 * @example const svg = toSvg(grad(sum(tanh(x)), [x], { createGraph: true })[0]); // forward and backward ops
 */
export function toSvg(root: Tensor | readonly Tensor[]): string {
  const nodes = collect(drawingRoots('toSvg', root));
  const depth = nodes.map(() => 0);
  for (const n of nodes) for (const i of n.inputs) depth[n.id] = Math.max(depth[n.id], depth[i] + 1);
  // A leaf sits just left of its first consumer, so constants fed into a late backward op do
  // not draw edges across the whole picture.
  const firstUse = nodes.map(() => Infinity);
  for (const n of nodes) for (const i of n.inputs) firstUse[i] = Math.min(firstUse[i], depth[n.id]);
  for (const n of nodes) if (n.inputs.length === 0 && Number.isFinite(firstUse[n.id])) depth[n.id] = firstUse[n.id] - 1;
  const columns: number[][] = [];
  for (const n of nodes) (columns[depth[n.id]] ??= []).push(n.id);
  const W = 170;
  const H = 44;
  const gapX = 50;
  const gapY = 16;
  const pos = new Map<number, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((id, r) => pos.set(id, { x: 10 + c * (W + gapX), y: 10 + r * (H + gapY) })));
  const width = 20 + columns.length * (W + gapX) - gapX;
  const height = 20 + Math.max(...columns.map((c) => c.length)) * (H + gapY) - gapY;
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="Helvetica, sans-serif" font-size="11">`,
    `<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#888"/></marker></defs>`,
    `<rect width="${width}" height="${height}" fill="white"/>`];
  for (const n of nodes) {
    const b = pos.get(n.id)!;
    for (const i of n.inputs) {
      const a = pos.get(i)!;
      const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x, b.y + H / 2];
      out.push(`<path d="M${x1},${y1} C${x1 + gapX / 2},${y1} ${x2 - gapX / 2},${y2} ${x2},${y2}" fill="none" stroke="#888" marker-end="url(#arrow)"/>`);
    }
  }
  for (const n of nodes) {
    const b = pos.get(n.id)!;
    out.push(`<rect x="${b.x}" y="${b.y}" width="${W}" height="${H}" rx="6" fill="${COLORS[n.kind]}" stroke="#666"/>`);
    const lines = n.label.split('\\n');
    lines.forEach((line, k) => out.push(`<text x="${b.x + W / 2}" y="${b.y + H / 2 + 4 + (k - (lines.length - 1) / 2) * 14}" text-anchor="middle">${esc(line)}</text>`));
  }
  out.push('</svg>');
  return out.join('\n');
}

export interface TraceEntry {
  op: string;
  inputs: string[];
  output: string;
  /** Microseconds since the previous traced op ended: the op's own time when ops run back to back. */
  micros: number;
  backwardOf?: string;
}

/**
 * Runs fn and logs every op it runs (forward, and backward ops when recorded), with shapes and
 * time. Returns fn's result; entries go to `log` (default: console.log of one line each).
 * @example trace(() => grad(sum(tanh(x)), [x]));
 */
export function trace<T>(fn: () => T, log: (e: TraceEntry) => void = (e) => console.log(formatTrace(e))): T {
  expectFunction('trace', fn);
  expectFunction('trace', log, 'log');
  let last = performance.now();
  const prev = setTraceHook((op, inputs, out, backwardOf) => {
    const now = performance.now();
    log({ op, inputs: inputs.map((t) => fmtShape(t.shape)), output: fmtShape(out.shape), micros: (now - last) * 1000, backwardOf });
    last = performance.now();
  });
  try {
    return fn();
  } finally {
    setTraceHook(prev);
  }
}

/** @example formatTrace({ op: 'add', inputs: ['[2]', '[2]'], output: '[2]', micros: 3.2 }) */
export function formatTrace(e: TraceEntry): string {
  if (e === null || typeof e !== 'object' || typeof e.op !== 'string' || !Array.isArray(e.inputs) || typeof e.micros !== 'number') {
    throw new ArgumentError(`formatTrace: expected a TraceEntry from trace(), got ${describe(e)}`);
  }
  return `${e.op.padEnd(12)} ${e.inputs.join(' ')} -> ${e.output}  ${e.micros.toFixed(1)} us${e.backwardOf ? `  (backward of ${e.backwardOf})` : ''}`;
}

/**
 * Bytes of tensor data the tape behind `root` keeps alive (each array counted once, shared
 * reshape views included once): what a backward from `root` will need.
 * @example tapeBytes(sum(mul(x, x))) // 3 float64 inputs + 3 products + 1 sum = 56
 */
export function tapeBytes(root: Tensor): number {
  expectTensor('tapeBytes', root, 'root');
  const seen = new Set<Tensor>();
  const arrays = new Set<ArrayBufferView>();
  const stack = [root];
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    arrays.add(t.data);
    if (t.node) stack.push(...t.node.inputs);
  }
  let bytes = 0;
  for (const a of arrays) bytes += a.byteLength;
  return bytes;
}

// Comments that state a result, in runnable samples (doc-comment @examples, README and docs
// code blocks): a line `expr // value` is rewritten into a check that expr gives value, so a
// sample's stated result cannot drift from what the code does.
// A comment that states a value: a number (0xcbf43926, 2.718... for the first digits), a
// string, true/false, an array of those, or 'shape [..]'. Prose comments are not values.
const VALUE = /^(?:shape )?(?:-?(?:0x[0-9a-f]+|\d+(?:\.\d+)?(?:e-?\d+)?)(?:\.\.\.)?|'[^']*'|true|false|\[(?:[-\d\s,.[\]]|'[^']*')*\])$/;

/** An example line `expr // value` becomes a check of expr against value; others stay as they are. */
export function withChecks(code: string, where: string): { code: string; checks: number } {
  let checks = 0;
  const lines = code.split('\n').map((line) => {
    const m = /^(.*?);?\s*\/\/\s*(.+?)\s*$/.exec(line);
    if (!m || m[1].trim() === '') return line;
    // 'θ' = 1 - 0.1 · 6(1 - 2) = 1.6': a derivation states its value last
    const stated = m[2].includes(' = ') ? m[2].slice(m[2].lastIndexOf(' = ') + 3).trim() : m[2];
    if (!VALUE.test(stated) || stated.includes('...]')) return line;
    const shape = stated.startsWith('shape ');
    const value = (shape ? stated.slice(6) : stated).replace(/(\d+\.\d+)\.\.\./g, "'~$1'");
    const label = JSON.stringify(`${where}: ${m[1].trim()}`);
    // `const [a] = f(x); // 6` checks a after the line runs
    const decl = /^\s*(?:const|let)\s+(?:\[\s*(\w+)|(\w+))/.exec(m[1]);
    // `f(); // w.grad = [2, 4]` states the value of w.grad after the line
    const named = /^([A-Za-z_$][\w.$]*) = /.exec(m[2])?.[1];
    const after = named ?? (decl ? decl[1] ?? decl[2] : null);
    checks++;
    if (after) return `${line}\n__check(${label}, ${shape ? `(${after}).shape` : after}, ${value});`;
    const cut = m[1].lastIndexOf('; ');
    const [before, expr] = cut >= 0 ? [m[1].slice(0, cut + 1), m[1].slice(cut + 2)] : ['', m[1]];
    return `${before} __check(${label}, ${shape ? `(${expr}).shape` : `(${expr})`}, ${value});`;
  });
  return { code: lines.join('\n'), checks };
}

// Compares a result (a Tensor, an array, a number, a string) with the stated value; '~2.718'
// stands for a number whose digits begin so, 'a ... b' for a string that begins with a and
// ends with b; numbers agree to float32 precision.
/** The __check function withChecks calls, as source; `tensorClass` names metagrad's Tensor in scope. */
export function checkerSource(tensorClass: string): string {
  return `
function __same(got: unknown, want: unknown): boolean {
  if (got instanceof ${tensorClass}) got = got.toArray();
  if (typeof want === 'string' && want.startsWith('~')) return typeof got === 'number' && String(got).startsWith(want.slice(1));
  if (typeof want === 'string' && want.includes(' ... ')) { // 'digraph tape { ... }': its beginning and its end
    const [head, tail] = want.split(' ... ');
    return typeof got === 'string' && got.startsWith(head) && got.endsWith(tail);
  }
  if (Array.isArray(want)) return Array.isArray(got) && got.length === want.length && want.every((w, i) => __same((got as unknown[])[i], w));
  if (typeof want === 'number' && Array.isArray(got) && got.length === 1) return __same(got[0], want); // tensor([12]) states 12
  if (typeof want === 'number' && typeof got === 'number') return Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want));
  return got === want;
}
function __check(where: string, got: unknown, want: unknown): void {
  if (!__same(got, want)) throw new Error(\`\${where} gives \${JSON.stringify(got instanceof ${tensorClass} ? got.toArray() : got)}, the comment says \${JSON.stringify(want)}\`);
}
`;
}

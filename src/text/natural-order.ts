/**
 * Natural order for ids a person reads in a list: `agent-2` before
 * `agent-10`. Runs of digits compare as numbers (of any length), the rest by
 * code unit, so the order is the same on every machine and locale.
 *
 * A leaf: it imports nothing, and every layer may use it.
 */

const CHUNK = /\d+|\D+/g;

function compareDigits(left: string, right: string): number {
  const a = left.replace(/^0+(?=\d)/, '');
  const b = right.replace(/^0+(?=\d)/, '');
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareNatural(left: string, right: string): number {
  const a = left.match(CHUNK) ?? [];
  const b = right.match(CHUNK) ?? [];
  for (let index = 0; index < Math.min(a.length, b.length); index += 1) {
    const x = a[index] as string;
    const y = b[index] as string;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    const order = numeric ? compareDigits(x, y) : x < y ? -1 : x > y ? 1 : 0;
    if (order !== 0) return order;
  }
  if (a.length !== b.length) return a.length - b.length;
  // Equal but for leading zeros (`a-01`, `a-1`): still a total order.
  return left < right ? -1 : left > right ? 1 : 0;
}

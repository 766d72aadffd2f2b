/** Operations per bulk request and ids per `$in`: round trips grow with N/1000. */
export const CHUNK_SIZE = 1000;

export function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK_SIZE) result.push(items.slice(start, start + CHUNK_SIZE));
  return result;
}

/**
 * JSON pointers (RFC 6901): `/schema_config/fields/2`, with `~` written `~0`
 * and `/` written `~1` inside a segment.
 */

export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `~1` before `~0`, as the RFC orders it: `~01` is the text `~1`, not `/`. */
export function unescapePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** The pointer of member `key` (or item `key`) of the value at `pointer`. */
export function childPointer(pointer: string, key: string | number): string {
  return `${pointer}/${escapePointerToken(String(key))}`;
}

export function pointerFromSegments(segments: Iterable<string | number>): string {
  let pointer = '';
  for (const segment of segments) pointer = childPointer(pointer, segment);
  return pointer;
}

/** The unescaped segments of `pointer`; '' (the whole value) has none. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`not a JSON pointer: ${JSON.stringify(pointer)} (it must be empty or start with "/")`);
  return pointer.slice(1).split('/').map(unescapePointerToken);
}

/** A walk over every string of a definition, at any depth, for the rules that look at all of them. */
import { isRecord } from '../../json/guards.js';
import { pointerFromSegments } from '../../json/pointer.js';

export interface StringVisitor {
  /** A non-empty string value; `key` is the mapping key it sits under (none for a list item). */
  value?(text: string, key: string | undefined, path: WalkPath): void;
  /** A key of a mapping; `path` is at the mapping. */
  key?(key: string, path: WalkPath): void;
}

/** Where the walk is. The path is kept as a stack and turned into a pointer only for a finding. */
export interface WalkPath {
  /** JSON pointer of the current string or mapping; only valid during the visit. */
  pointer(): string;
}

/** Visits strings and keys depth first, in document order. */
export function walkStrings(root: unknown, visitor: StringVisitor): void {
  const segments: Array<string | number> = [];
  const path: WalkPath = { pointer: () => pointerFromSegments(segments) };
  const visit = (value: unknown, key: string | undefined): void => {
    if (typeof value === 'string') {
      if (value.length > 0) visitor.value?.(value, key, path);
    } else if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index++) {
        segments.push(index);
        visit(value[index], undefined);
        segments.pop();
      }
    } else if (isRecord(value)) {
      for (const childKey of Object.keys(value)) {
        visitor.key?.(childKey, path);
        segments.push(childKey);
        visit(value[childKey], childKey);
        segments.pop();
      }
    }
  };
  visit(root, undefined);
}

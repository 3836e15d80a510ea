/**
 * From a JSON pointer to the place in the YAML text. Validators report problems by pointer (ajv's
 * instancePath, the semantic checks); this turns them into line:col so every diagnostic names a place.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { pointerSegments } from './pointer';

export interface SourceMap {
  /** Offset in the text of the thing the pointer names: its key in a mapping, the item in a list. */
  keyOffset(pointer: string): number | undefined;
  /** Offset of the value itself; the key when the value is empty (`key:` with nothing after it). */
  valueOffset(pointer: string): number | undefined;
  /** The value's source text, when it is a scalar, with its offset (for pointing inside a value). */
  scalarSource(pointer: string): { readonly offset: number; readonly raw: string } | undefined;
}

interface Found {
  readonly key: Node | undefined;
  readonly value: Node | undefined;
}

export function sourceMap(doc: Document, text: string): SourceMap {
  function resolve(node: unknown): Node | undefined {
    // An alias points at the anchored node; positions then show the anchor, where the text is.
    if (isAlias(node)) return resolve(node.resolve(doc));
    return (node ?? undefined) as Node | undefined;
  }

  function find(pointer: string): Found | undefined {
    let value = resolve(doc.contents);
    let key: Node | undefined = value;
    for (const segment of pointerSegments(pointer)) {
      if (isMap(value)) {
        const pair = value.items.find((p) => keyText(p.key) === segment);
        if (!pair) return undefined;
        key = (pair.key ?? undefined) as Node | undefined;
        value = resolve(pair.value);
      } else if (isSeq(value) && /^\d+$/.test(segment)) {
        value = resolve(value.items[Number(segment)]);
        if (value === undefined) return undefined;
        key = value;
      } else {
        return undefined;
      }
    }
    return { key, value };
  }

  const start = (n: Node | undefined): number | undefined => n?.range?.[0];
  const isEmpty = (n: Node | undefined): boolean => n === undefined || (isScalar(n) && n.source === '' && n.value === null);

  return {
    keyOffset(pointer) {
      const f = find(pointer);
      return f ? (start(f.key) ?? start(f.value)) : undefined;
    },
    valueOffset(pointer) {
      const f = find(pointer);
      if (!f) return undefined;
      return isEmpty(f.value) ? start(f.key) : (start(f.value) ?? start(f.key));
    },
    scalarSource(pointer) {
      const f = find(pointer);
      if (!f || !isScalar(f.value) || !f.value.range) return undefined;
      const [from, to] = f.value.range;
      return { offset: from, raw: text.slice(from, to) };
    },
  };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/**
 * A reader for PowerShell's CLIXML (`Export-Clixml`), enough to build the lab from real captures.
 * Parsed with fast-xml-parser, never with regular expressions (fixtures/README.md). Element order is
 * kept (`preserveOrder`) because a list's order is data.
 */
import { XMLParser } from 'fast-xml-parser';

export type ClixmlValue = string | number | boolean | null | readonly ClixmlValue[] | ClixmlRecord;
export interface ClixmlRecord {
  readonly [name: string]: ClixmlValue;
}

/** A top-level object: its properties by name and what PowerShell prints for it. */
export interface ClixmlObject {
  readonly toString: string | null;
  readonly props: ClixmlRecord;
  /** Properties that are objects themselves, whole (an ADObjectId's DistinguishedName, not only its text). */
  readonly objects: Readonly<Record<string, ClixmlObject>>;
}

/** In preserveOrder form a node is `{ tag: children, ':@'?: attributes }` or `{ '#text': text }`. */
type XmlNode = Readonly<Record<string, unknown>>;

const NUMBER_TAGS = new Set(['I16', 'I32', 'I64', 'U16', 'U32', 'U64', 'By', 'SB', 'Db', 'Sg', 'D']);
const LIST_TAGS = new Set(['LST', 'IE', 'STK', 'QUE']);
/** Type names, adapted-property containers and the like: not values. */
const SKIP_TAGS = new Set(['TN', 'TNRef', 'ToString', 'MS', 'Props', 'LST', 'IE', 'STK', 'QUE', 'DCT']);

function tagOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text');
}

function childrenOf(node: XmlNode, tag: string): readonly XmlNode[] {
  const c = node[tag];
  return Array.isArray(c) ? (c as XmlNode[]) : [];
}

function attr(node: XmlNode, name: string): string | undefined {
  const attrs = node[':@'] as Record<string, unknown> | undefined;
  const v = attrs?.[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

function textOf(children: readonly XmlNode[]): string {
  return children.map((c) => (typeof c['#text'] === 'string' || typeof c['#text'] === 'number' ? String(c['#text']) : '')).join('');
}

/** CLIXML escapes characters XML cannot carry (CR, LF in some places, controls) as `_xHHHH_`. */
function unescapeClixml(text: string): string {
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

interface Decoder {
  /** Values by RefId, so that `<Ref RefId="n"/>` resolves to the object it names. */
  readonly refs: Map<string, ClixmlValue>;
}

function decodeProps(children: readonly XmlNode[], d: Decoder, objects: Record<string, ClixmlObject>): Record<string, ClixmlValue> {
  const props: Record<string, ClixmlValue> = {};
  for (const child of children) {
    const tag = tagOf(child);
    const name = attr(child, 'N');
    if (tag === undefined || name === undefined) continue;
    if (tag === 'Obj') {
      const { value, object } = decodeObj(child, d);
      props[name] = value;
      objects[name] = object;
    } else props[name] = decodeValue(child, tag, d);
  }
  return props;
}

function decodeObj(node: XmlNode, d: Decoder): { value: ClixmlValue; object: ClixmlObject } {
  const children = childrenOf(node, 'Obj');
  let toString: string | null = null;
  let list: ClixmlValue[] | undefined;
  let props: Record<string, ClixmlValue> = {};
  const objects: Record<string, ClixmlObject> = {};
  for (const child of children) {
    const tag = tagOf(child);
    if (tag === 'ToString') toString = unescapeClixml(textOf(childrenOf(child, tag)));
    else if (tag !== undefined && LIST_TAGS.has(tag)) {
      list = childrenOf(child, tag).flatMap((item) => {
        const t = tagOf(item);
        return t === undefined ? [] : [decodeValue(item, t, d)];
      });
    } else if (tag === 'Props' || tag === 'MS') {
      props = { ...props, ...decodeProps(childrenOf(child, tag), d, objects) };
    }
  }
  // As a property value an object reads the way PowerShell shows it: a list as its items, an enum or an
  // ADObjectId (AccountType, LinkedAccount) as its ToString, anything else as its properties.
  const value: ClixmlValue = list ?? toString ?? props;
  const refId = attr(node, 'RefId');
  if (refId !== undefined) d.refs.set(refId, value);
  return { value, object: { toString, props, objects } };
}

function decodeValue(node: XmlNode, tag: string, d: Decoder): ClixmlValue {
  if (tag === 'Obj') return decodeObj(node, d).value;
  if (tag === 'Ref') return d.refs.get(attr(node, 'RefId') ?? '') ?? null;
  if (tag === 'Nil') return null;
  const text = unescapeClixml(textOf(childrenOf(node, tag)));
  if (tag === 'B') return text.trim().toLowerCase() === 'true';
  if (NUMBER_TAGS.has(tag)) return Number(text);
  if (SKIP_TAGS.has(tag)) return null;
  return text;
}

/**
 * The top-level objects of a CLIXML document (`<Objs><Obj>...</Obj>...</Objs>`).
 * Throws an Error on text that is not CLIXML: callers read shipped captures, so that is a bug.
 */
export function parseClixml(text: string): readonly ClixmlObject[] {
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
  });
  const doc = parser.parse(text.replace(/^\uFEFF/, '')) as XmlNode[];
  const root = doc.find((n) => tagOf(n) === 'Objs');
  if (!root) throw new Error('not CLIXML: no <Objs> root element');
  const d: Decoder = { refs: new Map() };
  return childrenOf(root, 'Objs')
    .filter((n) => tagOf(n) === 'Obj')
    .map((n) => decodeObj(n, d).object);
}

/**
 * Would Windows PowerShell 5.1's ConvertFrom-Json accept this JSON text? The tests run pwsh 7, whose
 * ConvertFrom-Json (Newtonsoft, -Depth 1024 by default) accepts texts that 5.1 refuses, so a payload every
 * server refuses can pass every test. Give this the text a script parses; it answers as 5.1 would.
 *
 * What 5.1 does, from Microsoft's source (not run on a 5.1 here) [M]:
 * - ConvertFrom-Json parses with JavaScriptSerializer, set up as
 *   `new JavaScriptSerializer(new JsonObjectTypeResolver()) { RecursionLimit = (maxDepthAllowed + 2) }` with
 *   `maxDepthAllowed = 100`, then `serializer.MaxJsonLength = Int32.MaxValue` (PowerShell/PowerShell at
 *   60b3b304f2, 2016-03-30, the Windows source the open project started from, months before 5.1 shipped:
 *   src/Microsoft.PowerShell.Commands.Utility/commands/utility/WebCmdlet/JsonObject.cs, ConvertFromJson, the
 *   branch that is not CORECLR, which is what Windows PowerShell builds; removed in 50f6667bdb, 2017-10-06).
 * - So length is no limit: Int32.MaxValue is beyond the longest string V8 can build (2^29 - 24). Depth is:
 *   JavaScriptObjectDeserializer.DeserializeInternal starts at 0, adds one for every value (the text itself,
 *   each array element, each member value; not member names; an empty [] or {} has no values inside) and
 *   throws "RecursionLimit exceeded." past the limit (.NET Framework reference source, microsoft/referencesource,
 *   System.Web.Extensions/Script/Serialization/JavaScriptObjectDeserializer.cs). 5.1 accepts depth 102, no more.
 * - 2,097,152 characters is JavaScriptSerializer's default MaxJsonLength (DefaultMaxJsonLength in
 *   JavaScriptSerializer.cs, same source), checked as `input.Length > MaxJsonLength`: UTF-16 code units, what
 *   JavaScript's String length counts. Windows PowerShell 3.0 and 4.0 keep that default (community reports of
 *   "The length of the string exceeds the value set on the maxJsonLength property", and Microsoft's
 *   MSRC-Microsoft-Security-Updates-API#21: "PowerShell 4.0 and earlier [...] Not needed on PowerShell 5.0 and
 *   later") [M]; `withinDefaultMaxJsonLength` says whether those would accept the length.
 */

/** RecursionLimit of 5.1's ConvertFrom-Json: maxDepthAllowed (100) + 2. */
export const PS51_CONVERTFROM_JSON_MAX_DEPTH = 102;

/** JavaScriptSerializer's default MaxJsonLength: 5.1 raises it to Int32.MaxValue; 3.0 and 4.0 keep it. */
export const JAVASCRIPTSERIALIZER_DEFAULT_MAX_JSON_LENGTH = 2_097_152;

export interface Ps51JsonVerdict {
  /** Windows PowerShell 5.1's ConvertFrom-Json parses it. */
  readonly accepted: boolean;
  /** The deepest value, counted as JavaScriptObjectDeserializer counts it: the text itself is 1. */
  readonly depth: number;
  /** UTF-16 code units, as .NET's String.Length counts them. */
  readonly chars: number;
  /** At most 2,097,152 characters: what Windows PowerShell 3.0 and 4.0 would also accept in length. */
  readonly withinDefaultMaxJsonLength: boolean;
  /** When refused: why, with 5.1's own message. */
  readonly refusal?: string;
}

/** Says whether 5.1's ConvertFrom-Json accepts `text`, which must be JSON (what JSON.stringify writes). */
export function ps51AcceptsJson(text: string): Ps51JsonVerdict {
  // 5.1's parser reads more than JSON (single quotes, bare names); this answers for JSON only, and says so.
  JSON.parse(text);
  const depth = jsonDepth(text);
  const chars = text.length;
  const withinDefaultMaxJsonLength = chars <= JAVASCRIPTSERIALIZER_DEFAULT_MAX_JSON_LENGTH;
  if (depth > PS51_CONVERTFROM_JSON_MAX_DEPTH) {
    return {
      accepted: false,
      depth,
      chars,
      withinDefaultMaxJsonLength,
      refusal: `the JSON nests ${depth} deep and Windows PowerShell 5.1's ConvertFrom-Json stops at ${PS51_CONVERTFROM_JSON_MAX_DEPTH}: "RecursionLimit exceeded."`,
    };
  }
  return { accepted: true, depth, chars, withinDefaultMaxJsonLength };
}

/**
 * The depth JavaScriptObjectDeserializer reaches on valid JSON: every value (container or scalar) counts one
 * more than the containers around it. Member names sit beside their values, at the same depth, so every token
 * that starts a name or a value is counted alike. A scan, not JSON.parse's result, so that strings holding
 * brackets are read as strings and a huge text builds no objects.
 */
function jsonDepth(text: string): number {
  let open = 0;
  let deepest = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || c === ':') continue;
    if (c === ']' || c === '}') {
      open--;
      continue;
    }
    deepest = Math.max(deepest, open + 1);
    if (c === '[' || c === '{') open++;
    else if (c === '"') inString = true;
  }
  return deepest;
}

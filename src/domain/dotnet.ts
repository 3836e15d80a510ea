/**
 * How .NET compares strings with StringComparison.OrdinalIgnoreCase (ASP.NET's appSettings keys, Windows
 * names): each UTF-16 code unit is upper-cased by Unicode's simple mapping, one unit to one unit, and
 * the results are compared ordinally. JavaScript's toUpperCase is not that: it uses the full mappings
 * (`ß` becomes `SS`, `ᾀ` two letters), maps `ı` and `ſ` to ASCII, and follows a newer Unicode. The
 * exceptions below are where the two differ on the Basic Multilingual Plane, taken from .NET itself
 * (test/unit/dotnet-ordinal.test.ts compares every code unit with pwsh's [string]::Equals(...,
 * OrdinalIgnoreCase)). Characters outside the BMP are compared as they are (as .NET Framework does).
 */

/** Code units whose .NET ordinal upper case is not JavaScript's one-unit toUpperCase. */
const EXCEPTIONS = new Map<number, number>([
  [0x131, 0x131], [0x17f, 0x17f], [0x19b, 0x19b], [0x264, 0x264], [0x1c8a, 0x1c8a],
  [0x1f80, 0x1f88], [0x1f81, 0x1f89], [0x1f82, 0x1f8a], [0x1f83, 0x1f8b], [0x1f84, 0x1f8c], [0x1f85, 0x1f8d], [0x1f86, 0x1f8e], [0x1f87, 0x1f8f],
  [0x1f90, 0x1f98], [0x1f91, 0x1f99], [0x1f92, 0x1f9a], [0x1f93, 0x1f9b], [0x1f94, 0x1f9c], [0x1f95, 0x1f9d], [0x1f96, 0x1f9e], [0x1f97, 0x1f9f],
  [0x1fa0, 0x1fa8], [0x1fa1, 0x1fa9], [0x1fa2, 0x1faa], [0x1fa3, 0x1fab], [0x1fa4, 0x1fac], [0x1fa5, 0x1fad], [0x1fa6, 0x1fae], [0x1fa7, 0x1faf],
  [0x1fb3, 0x1fbc], [0x1fc3, 0x1fcc], [0x1ff3, 0x1ffc],
  [0xa7cd, 0xa7cd], [0xa7cf, 0xa7cf], [0xa7d3, 0xa7d3], [0xa7d5, 0xa7d5], [0xa7db, 0xa7db],
]);

function upperUnit(unit: number): number {
  const exception = EXCEPTIONS.get(unit);
  if (exception !== undefined) return exception;
  if (unit < 0x80) return unit >= 0x61 && unit <= 0x7a ? unit - 0x20 : unit;
  if (unit >= 0xd800 && unit <= 0xdfff) return unit;
  const u = String.fromCharCode(unit).toUpperCase();
  return u.length === 1 ? u.charCodeAt(0) : unit;
}

/** The key under which .NET's OrdinalIgnoreCase sees `s`: two strings are equal to it when their keys are. */
export function ordinalIgnoreCaseKey(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) ascii = false;
  if (ascii) return s.toUpperCase();
  let out = '';
  for (let i = 0; i < s.length; i++) out += String.fromCharCode(upperUnit(s.charCodeAt(i)));
  return out;
}

/** `string.Equals(a, b, StringComparison.OrdinalIgnoreCase)`. */
export function equalsOrdinalIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && ordinalIgnoreCaseKey(a) === ordinalIgnoreCaseKey(b);
}

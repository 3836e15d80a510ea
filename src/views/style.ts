/** ANSI colour, only when asked for (a terminal without NO_COLOR). */
const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, enabled: boolean): string {
  return enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

// Characters that would move the cursor, recolour or retitle a terminal, or reorder what it shows
// (C0 and C1 controls, DEL, bidirectional overrides, line separators).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LINES = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A name or value from the live state (or any input) on one line: control characters shown as `\u001b`, never sent raw. */
export function printable(text: string): string {
  return text.replace(CONTROL, escape);
}

/** Prose of several lines (a diagnostic's detail): the same, line breaks kept. */
export function printableLines(text: string): string {
  return text.replace(CONTROL_BUT_LINES, escape);
}

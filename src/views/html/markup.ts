/**
 * Escaping by construction: every value interpolated into an `html` template is escaped unless it is
 * itself markup made by `html`. Values in a report come from servers and specs, so a forgotten escape
 * would be a script injected into a page that people open to approve a change.
 */
export interface Markup {
  readonly markup: string;
}

export type Interpolation = Markup | string | number | boolean | null | undefined | readonly Interpolation[];

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function isMarkup(value: Interpolation): value is Markup {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'markup' in value;
}

function toMarkup(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return (value as readonly Interpolation[]).map(toMarkup).join('');
  if (isMarkup(value)) return value.markup;
  return escapeHtml(String(value));
}

/** Tagged template: literal parts are trusted markup, interpolations are escaped text (or nested `html`). */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Markup {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += toMarkup(values[i]) + strings[i + 1];
  return { markup: out };
}

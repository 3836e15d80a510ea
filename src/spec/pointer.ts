/** JSON pointers (RFC 6901) into the spec, and the names people read for them. */

export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function joinPointer(base: string, ...segments: readonly (string | number)[]): string {
  return base + segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * `/partnerApplications/0/enabled` -> `partnerApplications[0].enabled`: the form an admin can find in the
 * YAML. Keys that are not plain identifiers (`OAuthHttpModule.Profiles`) are quoted so the dot is not
 * read as nesting.
 */
export function describePointer(pointer: string): string {
  let out = '';
  for (const s of pointerSegments(pointer)) {
    if (/^\d+$/.test(s)) out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === '' ? 'the spec' : out;
}

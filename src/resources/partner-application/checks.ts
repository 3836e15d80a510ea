/** What the schema cannot say about partner application entries: duplicates, self-referencing copies. */
import { joinPointer } from '../../spec/pointer';
import { problem, type Problem } from '../../spec/problem';
import type { PartnerApplicationSpec, PermissionListSpec } from './types';

export function partnerApplicationProblems(apps: readonly PartnerApplicationSpec[], section: string): Problem[] {
  const out: Problem[] = [];
  const byId = new Map<string, number>();
  const byName = new Map<string, number>();
  apps.forEach((app, i) => {
    const at = joinPointer(section, i);
    if (app.name === undefined && app.applicationIdentifier === undefined) {
      out.push(
        problem(
          'spec.missing-selector',
          at,
          `\`partnerApplications[${i}]\` needs \`name\` or \`applicationIdentifier\` to say which partner application it is`,
          'Give the ApplicationIdentifier (a GUID, preferred: it never changes) or the Name as Get-PartnerApplication shows it. ' +
            'Example: applicationIdentifier: 00000003-0000-0000-c000-000000000000',
          { at: 'key' },
        ),
      );
    }
    // GUIDs compare case-insensitively; Exchange object names are Active Directory names, also case-insensitive.
    const id = app.applicationIdentifier?.toLowerCase();
    if (id !== undefined) {
      const first = byId.get(id);
      if (first !== undefined) out.push(duplicateApp(section, i, first, 'applicationIdentifier', app.applicationIdentifier as string));
      else byId.set(id, i);
    }
    const name = app.name?.toLowerCase();
    if (name !== undefined) {
      const first = byName.get(name);
      if (first !== undefined) out.push(duplicateApp(section, i, first, 'name', app.name as string));
      else byName.set(name, i);
    }
    out.push(...sameAsProblems(app, at));
  });
  return out;
}

function duplicateApp(section: string, i: number, first: number, key: string, value: string): Problem {
  return problem(
    'spec.duplicate-application',
    joinPointer(section, i, key),
    `\`partnerApplications[${i}]\` is the same partner application as \`partnerApplications[${first}]\` (${key} \`${value}\`)`,
    'Describe each partner application once: merge the two entries.',
    { at: 'key' },
  );
}

function sameAsProblems(app: PartnerApplicationSpec, at: string): Problem[] {
  const sameAs = (list: PermissionListSpec | undefined) =>
    list !== null && typeof list === 'object' && 'sameAs' in list ? list.sameAs : undefined;
  const out: Problem[] = [];
  const actAs = sameAs(app.actAsPermissions);
  const appOnly = sameAs(app.appOnlyPermissions);
  if (actAs === 'actAsPermissions' || appOnly === 'appOnlyPermissions') {
    const key = actAs === 'actAsPermissions' ? 'actAsPermissions' : 'appOnlyPermissions';
    out.push(
      problem('spec.wrong-value', joinPointer(at, key, 'sameAs'), `\`${key}\` cannot be the same as itself`, `Use sameAs to copy the other list: sameAs: ${key === 'actAsPermissions' ? 'appOnlyPermissions' : 'actAsPermissions'}`),
    );
  } else if (actAs === 'appOnlyPermissions' && appOnly === 'actAsPermissions') {
    out.push(
      problem(
        'spec.wrong-value',
        joinPointer(at, 'appOnlyPermissions', 'sameAs'),
        '`actAsPermissions` and `appOnlyPermissions` are each the same as the other, so neither has a value',
        'Give one of them as a list (or leave it out to keep the live value) and copy it into the other.',
      ),
    );
  }
  return out;
}

/**
 * What the schema cannot say about webConfigs entries: names Exchange would silently ignore, files listed
 * twice, paths that leave ExchangeInstallPath, servers outside the spec's own.
 */
import { DEFAULT_SEPARATOR, KNOWN_PROFILES, PROFILES_KEY } from '../../domain/exchange';
import { editDistance, suggest } from '../../domain/tokens';
import { pathProblem } from '../../domain/paths';
import { ordinalIgnoreCaseKey } from '../../domain/dotnet';
import { describePointer, joinPointer } from '../../spec/pointer';
import { problem, type Problem } from '../../spec/problem';
import type { Spec } from '../../spec/types';
import type { AppSettingSpec, WebConfigSpec } from './types';

export function webConfigProblems(entries: readonly WebConfigSpec[], section: string, spec: Spec): Problem[] {
  const out: Problem[] = [];
  // Each file's entries so far, with the servers they narrow to (undefined: every server of the spec).
  const seen = new Map<string, { index: number; servers: Set<string> | undefined }[]>();
  entries.forEach((wc, i) => {
    const at = joinPointer(section, i);
    const checked = checkWebConfigFile(wc.file);
    if ('problem' in checked) {
      out.push(problem(checked.code ?? 'spec.path-outside-install', joinPointer(at, 'file'), `\`webConfigs[${i}].file\` ${checked.problem}`, checked.fix));
    } else {
      // Windows paths are case-insensitive: `FrontEnd/...` and `frontend\...` are one file. The same file
      // may be listed again for other servers (export writes one entry per group of servers that differ):
      // only entries whose servers overlap say two things about one file.
      const key = checked.file.toLowerCase();
      const mine = wc.servers === undefined || wc.servers === 'all' ? undefined : new Set(wc.servers.map((x) => x.toUpperCase()));
      const earlier = seen.get(key) ?? [];
      const clash = earlier.find((e) => e.servers === undefined || mine === undefined || [...mine].some((x) => e.servers!.has(x)));
      if (clash !== undefined) {
        out.push(
          problem(
            'spec.duplicate-web-config',
            joinPointer(at, 'file'),
            `\`webConfigs[${i}]\` is the same file as \`webConfigs[${clash.index}]\` (${checked.file}) on the same servers`,
            'List each web.config once per server, with all its appSettings (entries for the same file need disjoint `servers:`).',
          ),
        );
      } else seen.set(key, [...earlier, { index: i, servers: mine }]);
    }
    out.push(...serverSubsetProblems(spec.servers, wc, at));
    out.push(...sameKeyProblems(wc, at, spec));
    for (const [key, setting] of Object.entries(wc.appSettings)) {
      out.push(...appSettingProblems(key, setting, joinPointer(at, 'appSettings', key)));
    }
  });
  return out;
}

/**
 * Two keys of one entry that ASP.NET reads as one (OrdinalIgnoreCase, unless the spec switched the
 * assumption off): the plan would set the one entry of the file to each value in turn and never converge.
 */
function sameKeyProblems(wc: WebConfigSpec, at: string, spec: Spec): Problem[] {
  const assumed = (spec.assumptions as Readonly<Record<string, unknown>> | undefined)?.['app-setting-keys-case-insensitive'];
  if (assumed === false) return [];
  const first = new Map<string, string>();
  const out: Problem[] = [];
  for (const key of Object.keys(wc.appSettings)) {
    const norm = ordinalIgnoreCaseKey(key);
    const earlier = first.get(norm);
    if (earlier === undefined) {
      first.set(norm, key);
      continue;
    }
    out.push(
      problem(
        'spec.duplicate-app-setting',
        joinPointer(at, 'appSettings', key),
        `appSetting \`${key}\` is the same key as \`${earlier}\` to ASP.NET, which compares keys ignoring case`,
        'A web.config holds one entry for both, so the two values would overwrite each other on every apply. Keep one of them. ' +
          '(If your servers compare keys exactly, set assumptions: { app-setting-keys-case-insensitive: false }.)',
        { at: 'key' },
      ),
    );
  }
  return out;
}

function serverSubsetProblems(servers: Spec['servers'], wc: WebConfigSpec, at: string): Problem[] {
  if (servers === 'all' || wc.servers === undefined || wc.servers === 'all') return [];
  const known = new Set(servers.map((s) => s.toLowerCase()));
  return wc.servers.flatMap((s, j) =>
    known.has(s.toLowerCase())
      ? []
      : [
          problem(
            'spec.unknown-server',
            joinPointer(at, 'servers', j),
            `Server \`${s}\` is not in the spec's \`servers\``,
            `A web.config's servers narrow the spec's servers (${servers.join(', ')}); add ${s} there or remove it here.` +
              (suggest(s, servers) ? ` Did you mean \`${suggest(s, servers)}\`?` : ''),
          ),
        ],
  );
}

/**
 * A webConfigs `file` as the engine uses it: relative to ExchangeInstallPath, `/`-separated, `.`
 * segments dropped. Anything that could reach outside ExchangeInstallPath is refused.
 */
export function checkWebConfigFile(file: string): { readonly file: string } | { readonly problem: string; readonly fix: string; readonly code?: string } {
  const fix = 'Write the path relative to ExchangeInstallPath, e.g. FrontEnd/HttpProxy/rest/web.config.';
  // The NUL is not echoed: it would cut the message short in a terminal.
  if (file.includes('\0')) return { problem: 'contains a NUL character', fix };
  if (/%[^%]*%|\$env:|\$\{?\w/i.test(file)) {
    return { problem: `uses a variable (${file}); variables are not expanded`, fix };
  }
  const found = pathProblem(file);
  if (found?.kind === 'own-folder') {
    return { code: 'spec.path-own-folder', problem: `${found.why} (${file})`, fix: 'hybridcfg keeps its backups and the originals a rollback restores there: manage only Exchange\'s own web.config files.' };
  }
  if (found?.kind === 'windows-name') return { code: 'spec.path-windows-name', problem: `${found.why} (${file})`, fix };
  const why = found?.why;
  if (why === 'contains `:`') return { problem: `contains \`:\` (${file}), which a Windows path may not`, fix };
  if (why !== undefined) return { problem: `${why} (${file}): it must stay inside ExchangeInstallPath`, fix };
  const kept = file.split(/[\\/]/).filter((s) => s !== '' && s !== '.');
  if (kept.length === 0) return { problem: 'names no file', fix };
  return { file: kept.join('/') };
}

function appSettingProblems(key: string, setting: AppSettingSpec, at: string): Problem[] {
  const out: Problem[] = [];
  const isProfiles = key === PROFILES_KEY;
  if (!isProfiles && key.toLowerCase() === PROFILES_KEY.toLowerCase()) {
    out.push(
      problem('spec.suspicious-key', at, `appSetting \`${key}\` differs from \`${PROFILES_KEY}\` only in case`, `Write it as Exchange does: ${PROFILES_KEY}. Profile names in it are not checked.`, {
        severity: 'warning',
        at: 'key',
      }),
    );
  } else if (!isProfiles && editDistance(key.toLowerCase(), PROFILES_KEY.toLowerCase()) <= 2) {
    out.push(
      problem('spec.suspicious-key', at, `appSetting \`${key}\`: did you mean \`${PROFILES_KEY}\`?`, 'hybridcfg manages any appSetting, so this key would be added as written.', {
        severity: 'warning',
        at: 'key',
      }),
    );
  }
  if (typeof setting === 'string') {
    if (isProfiles) out.push(...exactProfilesProblems(setting, at));
    return out;
  }
  const separator = setting.separator ?? DEFAULT_SEPARATOR;
  if (setting.include === undefined && setting.exclude === undefined) {
    out.push(
      problem('spec.empty-edit', at, `appSetting \`${key}\` has neither \`include\` nor \`exclude\`, so it changes nothing`, 'Add include: [...] or exclude: [...], or give the exact value as a string.', {
        at: 'key',
      }),
    );
  }
  const allowUnknown = new Set(setting.allowUnknown ?? []);
  const include = new Set(setting.include ?? []);
  for (const list of ['include', 'exclude', 'allowUnknown'] as const) {
    (setting[list] ?? []).forEach((token, j) => {
      const tokenAt = joinPointer(at, list, j);
      if (token.includes(separator)) {
        out.push(
          problem('spec.token-separator', tokenAt, `\`${describePointer(tokenAt)}\` contains the separator \`${separator}\``, `List each token as its own item: [${token.split(separator).join(', ')}].`),
        );
        return;
      }
      if (list === 'exclude' && include.has(token)) {
        out.push(problem('spec.include-exclude-conflict', tokenAt, `\`${token}\` is in both \`include\` and \`exclude\` of \`${key}\``, 'Keep it in one of the two lists.'));
      }
      if (isProfiles && list !== 'allowUnknown' && !allowUnknown.has(token)) out.push(...profileTokenProblems(token, tokenAt, undefined));
    });
  }
  return out;
}

function exactProfilesProblems(value: string, at: string): Problem[] {
  const tokens = value.split(DEFAULT_SEPARATOR);
  let index = 0;
  const starts = tokens.map((t) => {
    const start = index;
    index += t.length + DEFAULT_SEPARATOR.length;
    return start;
  });
  return tokens.flatMap((token, i) =>
    token === ''
      ? value === ''
        ? []
        : [
            problem('spec.empty-token', at, `\`${PROFILES_KEY}\` has an empty profile name (\`${DEFAULT_SEPARATOR}${DEFAULT_SEPARATOR}\` or a separator at an end)`, 'Exchange ignores it; remove the extra separator.', {
              severity: 'warning',
            }),
          ]
      : profileTokenProblems(token, at, starts[i]),
  );
}

/**
 * Exchange keeps a profile only on an exact, case-sensitive match and drops anything else without a
 * word (docs/exchange-facts.md#web-config W2 [M]); a misspelt name would leave app-only access broken while the plan looks right.
 */
function profileTokenProblems(token: string, at: string, within: number | undefined): Problem[] {
  if (KNOWN_PROFILES.includes(token)) return [];
  const extra = within !== undefined ? { within } : {};
  if (token.trim() !== token && KNOWN_PROFILES.includes(token.trim())) {
    return [
      problem(
        'spec.token-whitespace',
        at,
        `Profile \`${token}\` has a space at its ${token.trimStart() !== token ? 'start' : 'end'}`,
        `Exchange does not trim spaces and would ignore this profile. Write \`${token.trim()}\`.`,
        extra,
      ),
    ];
  }
  const guess = suggest(token, KNOWN_PROFILES);
  return [
    problem(
      'spec.unknown-profile',
      at,
      `\`${token}\` is not a profile name Exchange knows${guess ? `: did you mean \`${guess}\`?` : ''}`,
      'Exchange matches profile names exactly (case too) and silently ignores any other name. ' +
        `Known names: ${KNOWN_PROFILES.join(', ')}.` +
        (within === undefined ? ` If you are sure of the name, list it in \`allowUnknown\` of this setting.` : ''),
      extra,
    ),
  ];
}

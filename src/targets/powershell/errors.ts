/**
 * Turns what PowerShell, WinRM and Exchange say when a call fails into diagnostics an administrator can
 * act on. The table is matched in order; the first rule whose pattern matches the message (or the
 * FullyQualifiedErrorId) wins. Errors our own scripts raise carry their code as a `[target.x]` prefix.
 */
import type { Diagnostic } from '../../diag/diagnostic';
import { error } from '../../diag/diagnostic';

/** What a script reported: the envelope's `{ok:false, error}`. */
export interface PsError {
  readonly message: string;
  readonly category?: string;
  readonly fqid?: string;
}

/** The call that failed, for the diagnostic's wording. */
export interface CallContext {
  /** A call of the target's own (`readServer`, `acquireLock`), or a kind's set (`setPartnerApplication`, `writeFiles`). */
  readonly call: string;
  readonly server?: { readonly Name: string; readonly Fqdn: string };
  /** What the call concerns when it is no server: `partner application 00000003-...`. */
  readonly subject?: string;
  /** The calls.jsonl line in lab mode; default `{call}` (and `server` for a server call). */
  readonly log?: Readonly<Record<string, unknown>>;
  /** A kind's set: the code and the words of a failure nothing more specific explains. */
  readonly failCode?: string;
  readonly what?: string;
}

interface Rule {
  readonly code: string;
  readonly test: RegExp;
  readonly summary: (ctx: CallContext, message: string) => string;
  readonly detail: string;
}

const where = (ctx: CallContext): string => (ctx.server ? `${ctx.server.Name} (${ctx.server.Fqdn})` : (ctx.subject ?? 'Exchange'));

const first = (message: string): string => message.split(/\r?\n/)[0]!.trim();

/** Ordered: access denied before unreachable, because WinRM reports "Connecting to ... failed ...: Access is denied." */
export const ERROR_RULES: readonly Rule[] = [
  {
    code: 'target.parameter-missing',
    test: /A parameter cannot be found that matches parameter name '[^']+'|NamedParameterNotFound/,
    summary: (ctx, m) => {
      const name = /parameter name '([^']+)'/.exec(m)?.[1] ?? 'a parameter';
      return `${ctx.what ?? 'The cmdlet'} in this session has no -${name} parameter (${where(ctx)})`;
    },
    detail:
      'This Exchange build, or the RBAC role entries of the account running hybridcfg, do not expose the parameter. ' +
      'Check `Get-ManagementRoleEntry "*\\Set-PartnerApplication"`, run as a member of Organization Management, ' +
      'or install a cumulative update whose Set-PartnerApplication has the parameter.',
  },
  {
    code: 'target.cmdlet-missing',
    test: /is not recognized as (the|a) name of a cmdlet|CommandNotFoundException/,
    summary: (ctx, m) => {
      const name = /The term '([^']+)'/.exec(m)?.[1] ?? 'an Exchange cmdlet';
      return `${name} is not available in the PowerShell session (${where(ctx)})`;
    },
    detail:
      'Either the Exchange cmdlets are not loaded (run on an Exchange server with `exchange: local`, or use ' +
      '`exchange: { connectionUri: http://<server>/PowerShell/ }`), or your account lacks the management role that ' +
      'grants the cmdlet: hybridcfg needs a member of the Organization Management role group.',
  },
  {
    code: 'target.rbac',
    test: /isn't assigned to any management roles|isn't within your current management role|is not within your current management role|Insufficient access rights|INSUFF_ACCESS_RIGHTS/i,
    summary: (ctx, m) => `Your account may not change this in Exchange (${where(ctx)}): ${first(m)}`,
    detail: 'Run hybridcfg as a member of the Organization Management role group (Get-RoleGroupMember "Organization Management").',
  },
  {
    code: 'target.access-denied',
    test: /Access is denied|Access to the path .* is denied|UnauthorizedAccess|PSRemotingTransportException.*5 /i,
    summary: (ctx, m) => `Access denied on ${where(ctx)}: ${first(m)}`,
    detail:
      'The account running hybridcfg needs to be a local administrator on every Exchange server (WinRM, web.config ' +
      'and IIS) and a member of Organization Management. Run from an elevated PowerShell as such an account.',
  },
  {
    code: 'target.unreachable',
    test: /WinRM cannot complete the operation|WinRM cannot process the request|The WinRM client cannot|cannot connect to the destination specified|Connecting to remote server .* failed/i,
    summary: (ctx) => `${where(ctx)} is unreachable: WinRM cannot complete the operation`,
    detail:
      'Check that the server name resolves, the server is up, and WinRM listens (`Test-WSMan <fqdn>`; ' +
      '`Enable-PSRemoting` on the server, firewall port 5985/5986). Nothing was changed on this server.',
  },
  {
    code: 'target.not-found',
    test: /couldn't be found on|The operation couldn't be performed because object/,
    summary: (ctx, m) => `Not found in Exchange (${where(ctx)}): ${first(m)}`,
    detail: 'Run `Get-PartnerApplication | Format-Table Name,ApplicationIdentifier` and correct the spec.',
  },
];

const FALLBACK: Readonly<Record<string, { code: string; what: string }>> = {
  connect: { code: 'target.connect-failed', what: 'Connecting to Exchange failed' },
  readOrganization: { code: 'target.read-failed', what: 'Reading the organisation failed' },
  readServer: { code: 'target.read-failed', what: 'Reading the server failed' },
  restart: { code: 'target.restart-failed', what: 'The restart failed' },
  acquireLock: { code: 'target.lock-failed', what: "Taking the organisation's apply lock failed" },
  releaseLock: { code: 'target.lock-failed', what: "Releasing the organisation's apply lock failed" },
  appendJournal: { code: 'target.journal-failed', what: 'Writing the run journal failed' },
};

const OWN_DETAIL: Record<string, string> = {
  'target.file-changed': 'Someone changed the file since the plan was made. Run plan again and review the new plan.',
  'target.write-failed':
    'The error says where the bytes from before the write are: in place, or kept in <ExchangeInstallPath>hybridcfg\\tmp\\. ' +
    'Antivirus scanning the Exchange folders is the usual cause of a file that stays locked; see Microsoft\'s exclusion list for Exchange. Run plan again to see what the file holds now.',
  'target.execution-policy':
    'Import-PSSession writes the remote cmdlets to a temporary module that nobody signed, so AllSigned refuses it. Run hybridcfg where the policy is ' +
    'RemoteSigned (a Group Policy sets MachinePolicy/UserPolicy), or on an Exchange server with `exchange: local`.',
  'target.file-missing': 'hybridcfg edits existing web.config files only. Check the path in the spec and the server.',
  'target.path-outside-install': 'File paths are relative to ExchangeInstallPath and may not leave it.',
  'target.install-path-missing': 'Check that Exchange is installed on this server.',
  'target.exchange-missing': 'Run on an Exchange server, or use `exchange: { connectionUri: http://<server>/PowerShell/ }`.',
  'target.restart-failed': 'Check IIS on the server (`Get-Service W3SVC,WAS`) and restart it by hand if needed.',
  'target.lock-server-missing': 'hybridcfg keeps its lock, journal and partner application originals on the first client access server by name. Check that Get-ExchangeServer lists the servers.',
  'target.lock-server-unreachable':
    'hybridcfg keeps its lock, journal and partner application originals in <ExchangeInstallPath>hybridcfg\\ on the first client access server by name. ' +
    'Without it no run can lock, so nothing was changed. Check that the server is up and WinRM listens (`Test-WSMan <fqdn>`).',
};

export function fallback(ctx: CallContext): { code: string; what: string } {
  return FALLBACK[ctx.call] ?? { code: ctx.failCode ?? 'target.set-failed', what: `${ctx.what ?? ctx.call} failed` };
}

/** Maps one failed call to a diagnostic. */
export function classifyError(err: PsError, ctx: CallContext): Diagnostic {
  const message = err.message ?? '';
  const own = /^\[(target\.[a-z-]+)\]\s*/.exec(message);
  if (own) {
    const code = own[1]!;
    const rest = message.slice(own[0].length);
    return error(code, `${fallback(ctx).what} on ${where(ctx)}: ${first(rest)}`, OWN_DETAIL[code]);
  }
  const text = `${message}\n${err.fqid ?? ''}`;
  for (const rule of ERROR_RULES) {
    if (rule.test.test(text)) return error(rule.code, rule.summary(ctx, message), rule.detail);
  }
  const { code, what } = fallback(ctx);
  return error(code, `${what} on ${where(ctx)}: ${first(message)}`, `PowerShell said: ${message.trim()}${err.fqid ? ` (${err.fqid})` : ''}`);
}

/** The run state's texts as state.ps1 hands them back, parsed here exactly as the lab target parses its own files. */
import { fail } from '../../diag/diagnostic';

export function parseStateText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail(
      'target.state-invalid',
      `hybridcfg's ${what} on the lock server is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      'It lives in <ExchangeInstallPath>hybridcfg\\ of the first client access server by name. Repair or remove the file.',
    );
  }
}

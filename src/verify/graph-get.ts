/**
 * One Graph GET with the bearer token, retried at most once and only on 429/503 when the server's
 * Retry-After fits under the cap: a verification run must not add to any throttling it is diagnosing.
 * Shared by the mailbox reads and the Entra reads.
 */
import { retryAfterSeconds } from './diagnose';
import { send, type HttpAnswer, type HttpOptions } from './http';

/** Wait before the retry when a 429/503 carries no Retry-After. */
const DEFAULT_RETRY_WAIT_SECONDS = 2;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function getWithOneRetry(url: string, token: string, http: HttpOptions, capSeconds: number): Promise<{ answer: HttpAnswer; attempts: number }> {
  const request = { method: 'GET' as const, url, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } };
  const first = await send(request, http);
  if (first.status !== 429 && first.status !== 503) return { answer: first, attempts: 1 };
  const wait = retryAfterSeconds(first.headers['retry-after'], Date.now()) ?? DEFAULT_RETRY_WAIT_SECONDS;
  if (wait > capSeconds) return { answer: first, attempts: 1 };
  await sleep(wait * 1000);
  return { answer: await send(request, http), attempts: 2 };
}

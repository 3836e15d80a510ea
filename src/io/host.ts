/**
 * How the engine reports, and asks (after aws-cdk-cli's toolkit-lib io-host.ts and io-message.ts): the
 * session and the apply engine never print; they send typed messages to a host, which the CLI renders
 * as text on stderr, JSON lines in a log file, or nothing; tests collect them (test/helpers/io-host.ts).
 * Prompts go through the host too, so that a pipeline answers them with a flag and a test with a value.
 */

export type IoLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface IoMessage<T = unknown> {
  readonly time: Date;
  readonly level: IoLevel;
  /** Declared once in src/io/messages.ts: `HC_I2001`. */
  readonly code: string;
  /** For people, one line. */
  readonly message: string;
  readonly data: T;
}

export interface IoRequest<T = unknown, R = unknown> extends IoMessage<T> {
  /** What the host answers when it cannot ask (no terminal and no flag): the safe answer. */
  readonly defaultResponse: R;
}

export interface IoHost {
  notify(msg: IoMessage): Promise<void>;
  requestResponse<T, R>(msg: IoRequest<T, R>): Promise<R>;
}

/** A host that drops every message and answers every request with its default: for library use. */
export const SILENT_HOST: IoHost = {
  notify: async () => undefined,
  requestResponse: async (msg) => msg.defaultResponse,
};

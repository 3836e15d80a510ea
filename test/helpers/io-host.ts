/**
 * A message host for tests (after aws-cdk-cli's TestIoHost): it keeps every message the engine sends,
 * and answers requests as told, so that tests assert on messages and their data, not on printed text.
 */
import type { IoHost, IoMessage, IoRequest } from '../../src/io/host';

export interface TestIoHost extends IoHost {
  readonly messages: IoMessage[];
  readonly requests: IoRequest[];
  /** The codes of the messages so far, in order. */
  codes(): string[];
}

export function testIoHost(answer: (req: IoRequest) => unknown = () => true): TestIoHost {
  const messages: IoMessage[] = [];
  const requests: IoRequest[] = [];
  return {
    messages,
    requests,
    codes: () => messages.map((m) => m.code),
    async notify(msg) {
      messages.push(msg);
    },
    async requestResponse<T, R>(msg: IoRequest<T, R>): Promise<R> {
      requests.push(msg as IoRequest);
      return answer(msg as IoRequest) as R;
    },
  };
}

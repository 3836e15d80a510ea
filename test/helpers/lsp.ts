/**
 * A minimal Language Server Protocol client over stdio (JSON-RPC with Content-Length framing), enough to
 * drive a real language server as an editor does: requests with answers, notifications both ways, and
 * answers to the server's own requests (workspace/configuration and friends).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface Diagnostic {
  readonly range: { readonly start: { readonly line: number; readonly character: number } };
  readonly message: string;
  readonly severity?: number;
  readonly source?: string;
}

type Message = { id?: number | string; method?: string; params?: unknown; result?: unknown; error?: { message: string } };

export class LspClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((m: Message) => void)[] = [];
  /** The latest diagnostics the server published, per document URI. */
  readonly diagnostics = new Map<string, Diagnostic[]>();
  stderr = '';

  constructor(command: string, args: string[], private readonly settings: Record<string, unknown>) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (d: Buffer) => this.read(d));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`the language server exited (${code}) before answering: ${this.stderr}`));
      this.pending.clear();
    });
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: *(\d+)/i.exec(this.buffer.subarray(0, end).toString('ascii'))?.[1]);
      if (this.buffer.length < end + 4 + length) return;
      const message = JSON.parse(this.buffer.subarray(end + 4, end + 4 + length).toString('utf8')) as Message;
      this.buffer = this.buffer.subarray(end + 4 + length);
      this.dispatch(message);
    }
  }

  private dispatch(m: Message): void {
    if (m.method === undefined && typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result);
      return;
    }
    if (m.method === 'textDocument/publishDiagnostics') {
      const { uri, diagnostics } = m.params as { uri: string; diagnostics: Diagnostic[] };
      this.diagnostics.set(uri, diagnostics);
    }
    if (m.method !== undefined && m.id !== undefined) {
      // The server asks the editor: its settings per section, or to register capabilities and progress.
      const result =
        m.method === 'workspace/configuration'
          ? (m.params as { items: { section?: string }[] }).items.map((i) => (i.section ? (this.settings[i.section] ?? null) : null))
          : null;
      this.write({ jsonrpc: '2.0', id: m.id, result });
    }
    for (const l of this.listeners) l(m);
  }

  private write(m: object): void {
    const text = JSON.stringify(m);
    this.child.stdin.write(`Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
  }

  request<T>(method: string, params: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  /** Resolves when `check` holds for the diagnostics of `uri`, or rejects after `ms` with what there was. */
  waitForDiagnostics(uri: string, check: (d: readonly Diagnostic[]) => boolean, ms: number): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const done = (): boolean => {
        const d = this.diagnostics.get(uri);
        if (d && check(d)) {
          clearTimeout(timer);
          this.listeners.splice(this.listeners.indexOf(listener), 1);
          resolve(d);
          return true;
        }
        return false;
      };
      const listener = (): void => void done();
      const timer = setTimeout(() => {
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        reject(new Error(`no matching diagnostics for ${uri} within ${ms} ms; last: ${JSON.stringify(this.diagnostics.get(uri) ?? null)}\n${this.stderr}`));
      }, ms);
      this.listeners.push(listener);
      done();
    });
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.request('shutdown', null), new Promise((r) => setTimeout(r, 2000).unref())]);
      this.notify('exit', null);
    } finally {
      await new Promise<void>((r) => {
        if (this.child.exitCode !== null) return r();
        const t = setTimeout(() => this.child.kill(), 2000);
        this.child.on('exit', () => (clearTimeout(t), r()));
      });
    }
  }
}

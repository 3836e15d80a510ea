/**
 * A loopback HTTP CONNECT proxy for verify's proxy tests, in front of the loopback identity provider and
 * Graph (idp-server.ts). It records every CONNECT it is asked for, can demand credentials (407) or
 * refuse by policy (403), and tunnels only to loopback addresses, so that a test can never reach out.
 */
import { createServer, type IncomingMessage } from 'node:http';
import { connect, isIP, type AddressInfo, type Socket } from 'node:net';

export interface ConnectSeen {
  /** `host:port` the client asked for. */
  readonly target: string;
  /** The Proxy-Authorization header, decoded from Basic (`user:password`), when sent. */
  readonly credentials?: string;
  /** The status the proxy answered. */
  readonly status: number;
}

export interface ProxyOptions {
  /** `user:password` the proxy demands (407 without it). */
  readonly credentials?: string;
  /** Answer 403 to a CONNECT when this says so; default: allow. */
  readonly refuse?: (target: string) => boolean;
}

export interface LoopbackProxy {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  readonly connects: ConnectSeen[];
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function decodeBasic(header: string | undefined): string | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  return m ? Buffer.from(m[1], 'base64').toString('utf8') : undefined;
}

export async function startProxy(opts: ProxyOptions = {}): Promise<LoopbackProxy> {
  const connects: ConnectSeen[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    // verify only ever tunnels; a plain request through this proxy would be a bug in the client.
    res.writeHead(405, { connection: 'close' }).end('only CONNECT\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const credentials = decodeBasic(req.headers['proxy-authorization']);
    const answer = (status: number, text: string): void => {
      connects.push({ target, status, ...(credentials !== undefined ? { credentials } : {}) });
      client.end(`HTTP/1.1 ${status} ${text}\r\n${status === 407 ? 'Proxy-Authenticate: Basic realm="test"\r\n' : ''}\r\n`);
    };
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    if (!m || !LOOPBACK.has(m[1]) || (isIP(m[1]) === 0 && m[1] !== 'localhost')) return answer(403, 'Forbidden');
    if (opts.credentials !== undefined && credentials !== opts.credentials) return answer(407, 'Proxy Authentication Required');
    if (opts.refuse?.(target)) return answer(403, 'Forbidden');
    const upstream = connect(Number(m[2]), m[1], () => {
      connects.push({ target, status: 200, ...(credentials !== undefined ? { credentials } : {}) });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

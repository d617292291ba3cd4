import { readFileSync } from 'node:fs';
import { isIP, type Server as NetServer, type Socket } from 'node:net';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import {
  ClientTCP,
  JsonSocket,
  ServerTCP,
  type CustomTransportStrategy,
  type JsonSocketOptions,
  type TcpClientOptions,
  type TcpOptions,
  type TcpSocket,
  type WritePacket,
} from '@nestjs/microservices';
import { Logger } from '@nestjs/common';
import { addressKey } from '@regulink/access';
import type { FederationSection } from '@regulink/config';
import { RepeatedFailure } from '@regulink/persistence';
import {
  ENVELOPE_PATTERN,
  FederationTransport,
  TransportError,
  type EnvelopeHandler,
  type WireReply,
  type WireRequest,
} from './federation-transport';

const ENDPOINT = /^(tcp|tls):\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/;

/** The longest a connection to a peer is kept with nothing in flight (see closeWhenIdle). */
const CLIENT_IDLE_MAX_MS = 30_000;

/** How long a TLS client may take to finish its handshake with the listener. */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * Nest's framing (a JsonSocket, same bytes on the wire), with the frames written by the same run of
 * callbacks sent together: the socket is corked at the first frame and uncorked on the next tick,
 * once the promise continuations under way (the replies of one database batch, say) have all
 * written theirs, so that they leave in one system call instead of one each. (Uncorking later, at
 * setImmediate, batches no more and holds the peer back: measured slower.) Nest passes no framing
 * options to a socket class of its own: they are bound here.
 */
function corkingSocket(options: JsonSocketOptions): new (socket: unknown) => JsonSocket {
  return class CorkingJsonSocket extends JsonSocket {
    private corked = false;

    constructor(socket: unknown) {
      super(socket, options);
      // Each write is a whole batch of frames: nothing to gain from waiting to fill a segment.
      this.socket.setNoDelay(true);
    }

    protected override handleSend(message: unknown, callback?: (err?: unknown) => void): void {
      if (!this.corked) {
        this.corked = true;
        this.socket.cork();
        process.nextTick(() => {
          this.corked = false;
          this.socket.uncork();
        });
      }
      super.handleSend(message, callback);
    }
  };
}

/** Whether a request's pattern is {@link ENVELOPE_PATTERN}, as Nest would route it. */
function isEnvelopePattern(pattern: unknown): boolean {
  return (
    typeof pattern === 'object' &&
    pattern !== null &&
    (pattern as { regulink?: unknown }).regulink === ENVELOPE_PATTERN.regulink &&
    Object.keys(pattern).length === 1
  );
}

/** How the listener holds its connections: see {@link FederationSection}. */
interface ConnectionLimits {
  /** A connection with no request in flight and no traffic for this long is closed. */
  readonly idleMs: number;
  /** Connections open at once; the operating system's queue aside, more are closed at once. */
  readonly maxConnections: number;
  /** Of those, from one client address (an IPv6 one by its /64). */
  readonly maxPerAddress: number;
}

/**
 * Nest's TCP server, answering envelope requests straight from the handler's promise rather than
 * through Nest's generic RPC layer (an observable per request, processing hooks, a tick per reply):
 * the same frames on the wire. Anything else (events, other patterns) goes the generic way.
 *
 * The port is open to whoever can reach it, before any signature is checked: a connection that
 * stays silent is closed once idle (a frame begun and then left with no byte for 30 s is Nest's
 * framing's to close), and connections beyond the limit, or beyond one address's share of it, are
 * closed as they come, the refusals logged at the first and once a minute while they last. (One
 * client holding connections open with a byte now and then can take no more than its share.)
 */
class EnvelopeServer extends ServerTCP {
  private readonly inFlight = new WeakMap<object, number>();
  /** Connections open now, by client address. */
  private readonly byAddress = new Map<string, number>();
  private readonly refusals = new RepeatedFailure(
    new Logger('FederationListener'),
    'accepting peer connections',
  );

  constructor(
    options: Required<TcpOptions>['options'],
    private readonly onEnvelope: EnvelopeHandler,
    private readonly limits: ConnectionLimits,
  ) {
    super(options);
    const server = this.server as NetServer;
    server.maxConnections = limits.maxConnections;
    server.on('drop', () =>
      this.refusals.failed(new Error(`${limits.maxConnections} connections are open already (the limit)`)),
    );
    // Counted as the connection is accepted, before anything else (for TLS, before the handshake,
    // which may never come): a client's share is taken from its first byte on.
    server.prependListener('connection', (socket: Socket) => this.admit(socket));
  }

  /** Takes a connection into its address's share, or closes it when the share is taken. */
  private admit(socket: Socket): void {
    const address = addressKey(socket.remoteAddress ?? '');
    const open = this.byAddress.get(address) ?? 0;
    if (open >= this.limits.maxPerAddress) {
      this.refusals.failed(
        new Error(`${open} connections from ${address} are open already (the limit for one address)`),
      );
      socket.destroy();
      return;
    }
    this.byAddress.set(address, open + 1);
    socket.once('close', () => {
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    });
    this.refusals.succeeded();
  }

  override bindHandler(socket: Socket): void {
    if (socket.destroyed) return;
    super.bindHandler(socket);
    socket.setTimeout(this.limits.idleMs, () => {
      // A request still being answered (a slow database, say) keeps its connection.
      if ((this.inFlight.get(socket) ?? 0) > 0) socket.setTimeout(this.limits.idleMs);
      else socket.destroy();
    });
  }

  override async handleMessage(socket: TcpSocket, rawMessage: unknown): Promise<unknown> {
    const packet = rawMessage as { pattern?: unknown; data?: unknown; id?: string } | null;
    if (!packet || packet.id === undefined || !isEnvelopePattern(packet.pattern)) {
      return super.handleMessage(socket, rawMessage);
    }
    const connection = socket.netSocket;
    this.inFlight.set(connection, (this.inFlight.get(connection) ?? 0) + 1);
    let reply: { response?: WireReply; err?: unknown };
    try {
      reply = { response: await this.onEnvelope(packet.data) };
    } catch (err) {
      reply = { err };
    } finally {
      this.inFlight.set(connection, (this.inFlight.get(connection) ?? 1) - 1);
    }
    socket.sendMessage(this.serializer.serialize({ ...reply, isDisposed: true, id: packet.id }));
    return undefined;
  }
}

/**
 * Nest's TCP client (its connection, framing and TLS), with a request sent and its reply awaited
 * as a plain promise instead of through an observable per request: the same frames on the wire.
 */
class EnvelopeClient extends ClientTCP {
  constructor(
    options: Required<TcpClientOptions>['options'],
    /** The connection is closed after this long with nothing in flight (made again when needed). */
    private readonly idleMs: number,
  ) {
    super(options);
  }

  /**
   * Ends the connection for good. Nest only half-closes it (a FIN), which leaves the socket open
   * for as long as the other end does not answer: a peer that hangs (the reason a client is
   * usually dropped) would keep it, and the node's shutdown would leave it behind.
   */
  override close(): void {
    this.socket?.netSocket.destroy();
    super.close();
  }

  async request(request: WireRequest, timeoutMs: number): Promise<WireReply> {
    await this.connect();
    this.closeWhenIdle();
    return new Promise<WireReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new TransportError(`no reply within ${timeoutMs} ms`, true));
      }, timeoutMs);
      // The request's entry in Nest's routing map goes with its reply: Nest removes it only
      // through this cleanup, and an entry kept holds the reply for as long as the connection.
      // (When the request cannot be sent, the reply comes before publish returns, entry gone.)
      let cleanup = () => {};
      cleanup = this.publish(this.createPacket(ENVELOPE_PATTERN, request), (packet: WritePacket) => {
        clearTimeout(timer);
        cleanup();
        const { err, response, isDisposed } = packet;
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (response !== undefined) resolve(response as WireReply);
        else if (isDisposed) reject(new Error('the reply carries no response'));
      });
    });
  }

  /**
   * Closes the connection once idle, at half the time this node's listener waits (30 s at most),
   * so that a peer, which closes idle connections too, never closes it as a request is being sent
   * on it: peers set alike, or to more than 30 s.
   */
  private closeWhenIdle(): void {
    const connection = this.socket?.netSocket as Socket | undefined;
    if (!connection || connection.timeout === this.idleMs) return;
    connection.setTimeout(this.idleMs, () => {
      if (this.routingMap.size > 0) connection.setTimeout(this.idleMs);
      else if (this.socket?.netSocket === connection) this.close();
      else connection.destroy();
    });
  }
}

/**
 * Point-to-point TCP between nodes (Nest's TCP transport), TLS with mutual certificate checks when
 * certificates are configured. One client per peer endpoint, re-created after a failure.
 */
export class TcpTransport extends FederationTransport {
  private readonly clients = new Map<string, EnvelopeClient>();
  private readonly tls: { cert: Buffer; key: Buffer; ca?: Buffer } | undefined;

  constructor(private readonly config: FederationSection) {
    super();
    this.tls =
      config.tlsCert && config.tlsKey
        ? {
            cert: readFileSync(config.tlsCert),
            key: readFileSync(config.tlsKey),
            ...(config.tlsCa ? { ca: readFileSync(config.tlsCa) } : {}),
          }
        : undefined;
  }

  canReach(endpoint: string): boolean {
    return ENDPOINT.test(endpoint);
  }

  async request(endpoint: string, request: WireRequest, timeoutMs: number): Promise<WireReply> {
    const client = this.client(endpoint);
    try {
      return await client.request(request, timeoutMs);
    } catch (error) {
      if (this.clients.get(endpoint) === client) this.clients.delete(endpoint);
      client.close();
      const timedOut = error instanceof TransportError && error.timedOut;
      throw new TransportError(
        timedOut
          ? `no reply from ${endpoint} within ${timeoutMs} ms`
          : `cannot reach ${endpoint}: ${String((error as Error)?.message ?? error)}`,
        timedOut,
      );
    }
  }

  listener(handler: EnvelopeHandler): CustomTransportStrategy {
    const tlsOptions: TlsOptions | undefined = this.tls
      ? {
          ...this.tls,
          requestCert: true,
          rejectUnauthorized: Boolean(this.tls.ca),
          // A handshake left unfinished holds its connection (and a place in its address's share) no longer.
          handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
        }
      : undefined;
    const server = new EnvelopeServer(
      {
        host: this.config.host,
        port: this.config.port,
        socketClass: corkingSocket({ maxBufferSize: this.config.maxEnvelopeBytes * 2 }),
        ...(tlsOptions ? { tlsOptions } : {}),
      },
      handler,
      {
        idleMs: this.config.idleTimeoutSeconds * 1000,
        maxConnections: this.config.maxConnections,
        maxPerAddress: this.config.maxConnectionsPerAddress,
      },
    );
    server.addHandler(ENVELOPE_PATTERN, (data: unknown) => handler(data), false);
    return server;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }

  private client(endpoint: string): EnvelopeClient {
    let client = this.clients.get(endpoint);
    if (client) return client;
    const match = ENDPOINT.exec(endpoint);
    if (!match) throw new TransportError(`not a TCP endpoint: ${endpoint}`);
    const [, scheme, host, port] = match as unknown as [string, string, string, string];
    const address = host.replace(/^\[|\]$/g, '');
    // SNI carries host names only (RFC 6066); a peer named by its IP address is still checked
    // against the IP addresses in its certificate.
    const tlsOptions: ConnectionOptions | undefined =
      scheme === 'tls'
        ? { ...(this.tls ?? {}), ...(isIP(address) === 0 ? { servername: address } : {}) }
        : undefined;
    const options: TcpClientOptions['options'] = {
      host: address,
      port: Number(port),
      socketClass: corkingSocket({}),
      ...(tlsOptions ? { tlsOptions } : {}),
    };
    client = new EnvelopeClient(
      options,
      Math.min(CLIENT_IDLE_MAX_MS, (this.config.idleTimeoutSeconds * 1000) / 2),
    );
    this.clients.set(endpoint, client);
    return client;
  }
}

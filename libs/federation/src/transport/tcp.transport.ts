import { readFileSync } from 'node:fs';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import {
  ClientProxyFactory,
  ServerTCP,
  Transport,
  type ClientProxy,
  type CustomTransportStrategy,
} from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { FederationSection } from '@regulink/config';
import {
  ENVELOPE_PATTERN,
  FederationTransport,
  TransportError,
  type EnvelopeHandler,
  type WireReply,
  type WireRequest,
} from './federation-transport';

const ENDPOINT = /^(tcp|tls):\/\/(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/;

/**
 * Point-to-point TCP between nodes (Nest's TCP transport), TLS with mutual certificate checks when
 * certificates are configured. One client per peer endpoint, re-created after a failure.
 */
export class TcpTransport extends FederationTransport {
  private readonly clients = new Map<string, ClientProxy>();
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
      return await firstValueFrom(
        client.send<WireReply, WireRequest>(ENVELOPE_PATTERN, request).pipe(timeout(timeoutMs)),
      );
    } catch (error) {
      this.clients.delete(endpoint);
      await client.close();
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
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
      ? { ...this.tls, requestCert: true, rejectUnauthorized: Boolean(this.tls.ca) }
      : undefined;
    const server = new ServerTCP({
      host: this.config.host,
      port: this.config.port,
      maxBufferSize: this.config.maxEnvelopeBytes * 2,
      ...(tlsOptions ? { tlsOptions } : {}),
    });
    server.addHandler(ENVELOPE_PATTERN, (data: unknown) => handler(data), false);
    return server;
  }

  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }

  private client(endpoint: string): ClientProxy {
    let client = this.clients.get(endpoint);
    if (client) return client;
    const match = ENDPOINT.exec(endpoint);
    if (!match) throw new TransportError(`not a TCP endpoint: ${endpoint}`);
    const [, scheme, host, port] = match as unknown as [string, string, string, string];
    const tlsOptions: ConnectionOptions | undefined =
      scheme === 'tls' ? { ...(this.tls ?? {}), servername: host.replace(/^\[|\]$/g, '') } : undefined;
    client = ClientProxyFactory.create({
      transport: Transport.TCP,
      options: {
        host: host.replace(/^\[|\]$/g, ''),
        port: Number(port),
        ...(tlsOptions ? { tlsOptions } : {}),
      },
    }) as ClientProxy;
    this.clients.set(endpoint, client);
    return client;
  }
}

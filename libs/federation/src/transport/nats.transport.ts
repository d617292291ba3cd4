import {
  ClientProxyFactory,
  ServerNats,
  Transport,
  type ClientProxy,
  type CustomTransportStrategy,
} from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import type { FederationSection } from '@regulink/config';
import {
  FederationTransport,
  TransportError,
  type EnvelopeHandler,
  type WireReply,
  type WireRequest,
} from './federation-transport';

const ENDPOINT = /^nats:([A-Za-z0-9._-]+)$/;

/**
 * Envelopes over NATS request/reply. Each node listens on its own subject in a queue group, so
 * several replicas of a node share its traffic; NATS clusters and leaf nodes carry it across regions.
 */
export class NatsTransport extends FederationTransport {
  private client: ClientProxy | undefined;
  private readonly subject: string;
  private readonly servers: string[];

  constructor(config: FederationSection) {
    super();
    const own = ENDPOINT.exec(config.publicEndpoint);
    if (!own || !config.natsServers)
      throw new TransportError('the NATS transport needs a nats: endpoint and servers');
    this.subject = own[1]!;
    this.servers = config.natsServers.split(',');
  }

  canReach(endpoint: string): boolean {
    return ENDPOINT.test(endpoint);
  }

  async request(endpoint: string, request: WireRequest, timeoutMs: number): Promise<WireReply> {
    const subject = ENDPOINT.exec(endpoint)?.[1];
    if (!subject) throw new TransportError(`not a NATS endpoint: ${endpoint}`);
    this.client ??= ClientProxyFactory.create({
      transport: Transport.NATS,
      options: { servers: this.servers },
    }) as ClientProxy;
    try {
      return await firstValueFrom(
        this.client.send<WireReply, WireRequest>(subject, request).pipe(timeout(timeoutMs)),
      );
    } catch (error) {
      const timedOut = (error as { name?: string }).name === 'TimeoutError';
      const message = String((error as Error)?.message ?? error);
      throw new TransportError(
        timedOut ? `no reply on ${subject} within ${timeoutMs} ms` : `cannot reach ${subject}: ${message}`,
        timedOut,
      );
    }
  }

  listener(handler: EnvelopeHandler): CustomTransportStrategy {
    const server = new ServerNats({ servers: this.servers, queue: this.subject });
    server.addHandler(this.subject, (data: unknown) => handler(data), false);
    return server;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.close();
  }
}

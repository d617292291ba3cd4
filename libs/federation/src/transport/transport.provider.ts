import type { Provider } from '@nestjs/common';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { FederationTransport } from './federation-transport';
import { NatsTransport } from './nats.transport';
import { TcpTransport } from './tcp.transport';

/** The configured transport; everything above it sees only FederationTransport. */
export const transportProvider: Provider = {
  provide: FederationTransport,
  inject: [NODE_CONFIG],
  useFactory: (config: NodeConfig): FederationTransport =>
    config.federation.transport === 'nats'
      ? new NatsTransport(config.federation)
      : new TcpTransport(config.federation),
};

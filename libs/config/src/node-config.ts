/**
 * The typed configuration of one regional node. Values are loaded and validated once at start
 * (see load-config.ts); everything else receives this object by injection.
 */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface NodeSection {
  /** GB/T 2260 division code of the region this node serves, e.g. 330000. */
  readonly region: string;
  /** Human-readable node name, shown on the node card. */
  readonly name: string;
  /** Folder the node owns: embedded database, key file, generated secrets. */
  readonly dataDir: string;
}

export interface HttpSection {
  readonly host: string;
  readonly port: number;
  /** Base URL peers and users reach the API at; published on the node card. */
  readonly publicUrl: string;
  /**
   * The reverse proxies in front of the API (addresses or address/prefix, comma-separated): a
   * request through one is taken as from the client its X-Forwarded-For names. Unset: none.
   */
  readonly trustProxy: string | undefined;
}

export interface DatabaseSection {
  /** External PostgreSQL. When absent the node runs its own embedded PostgreSQL. */
  readonly url: string | undefined;
  /** Port for the embedded PostgreSQL; 0 picks a free port at each start. */
  readonly embeddedPort: number;
  /** Embedded only: a fresh cluster in a temporary folder, deleted at stop. */
  readonly throwaway: boolean;
  /**
   * A statement of the running node (not a migration) that has not finished after this many
   * seconds is cancelled by the server, waiting for a lock included: the request fails instead of
   * hanging. 0: no limit.
   */
  readonly statementTimeoutSeconds: number;
}

export interface KeysSection {
  /** The encrypted key ring file. */
  readonly file: string;
  /** Passphrase that encrypts the private keys at rest. */
  readonly passphrase: string | undefined;
}

export interface AdminSection {
  /** The first administrator, created at first start when no administrator exists. */
  readonly username: string;
  readonly password: string | undefined;
}

export interface AuthSection {
  readonly tokenTtlSeconds: number;
}

export type FederationTransport = 'tcp' | 'nats';

export interface FederationSection {
  /** How envelopes travel between nodes; the envelopes are the same on both. */
  readonly transport: FederationTransport;
  /** TCP listener (transport tcp). */
  readonly host: string;
  readonly port: number;
  /** The federation address published on the node card, e.g. tcp://gw.zj.example:7080. */
  readonly publicEndpoint: string;
  /** NATS servers (transport nats), comma-separated. */
  readonly natsServers: string | undefined;
  /** PEM files; when cert and key are set the TCP listener speaks TLS and verifies peers against ca. */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly tlsCa: string | undefined;
  /** Largest envelope accepted, in bytes. */
  readonly maxEnvelopeBytes: number;
  /** Tolerated clock difference between nodes, in seconds. */
  readonly clockSkewSeconds: number;
  /**
   * TCP listener: a connection with nothing in flight and no traffic for this long is closed, in
   * seconds. A node closes its own idle connections to peers after half of it, before a peer would.
   */
  readonly idleTimeoutSeconds: number;
  /** TCP listener: connections open at once; more are refused until some close. */
  readonly maxConnections: number;
  /** TCP listener: of those, from one client address (an IPv6 one by its /64). */
  readonly maxConnectionsPerAddress: number;
  /** Outbox delivery: first retry delay and the cap of the exponential backoff, in milliseconds. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** How often a new signed tree head of the audit log is made and sent to peers, in seconds. */
  readonly treeHeadIntervalSeconds: number;
  /** How often the feeds of peers are pulled without a nudge (a lost nudge delays by at most this), in seconds. */
  readonly syncPollSeconds: number;
}

export interface RegistrySection {
  /** Lookups one officer may make a day (China time), here and in other regions together. */
  readonly resolveDailyQuotaPerOfficer: number;
}

export interface NodeConfig {
  readonly node: NodeSection;
  readonly http: HttpSection;
  readonly database: DatabaseSection;
  readonly keys: KeysSection;
  readonly admin: AdminSection;
  readonly auth: AuthSection;
  readonly federation: FederationSection;
  readonly registry: RegistrySection;
  readonly log: { readonly level: LogLevel };
}

/** Injection token for the validated configuration. */
export const NODE_CONFIG = Symbol('NODE_CONFIG');

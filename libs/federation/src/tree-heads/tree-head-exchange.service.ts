import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ArrayMaxSize, IsArray, IsInt, IsString, Matches, Min } from 'class-validator';
import { AuditException, AuditLog, type SignedTreeHead } from '@regulink/audit';
import { MetricsService } from '@regulink/metrics';
import { RepeatedFailure } from '@regulink/persistence';
import {
  EnvelopeError,
  EnvelopeErrorCode,
  hashFromBase64Url,
  readTreeHead,
  treeHeadKid,
  verifyConsistency,
  verifyTreeHead,
  type TreeHead,
  MaxChars,
} from '@regulink/protocol';
import { FederationErrorCode, FederationException } from '../federation.exception';
import { MessageRegistry } from '../messages/message-registry';
import { PeersService } from '../peers/peers.service';
import { OutboxService } from '../sending/outbox.service';
import { QueryClient } from '../sending/query.client';
import { PeerTreeHeadEntity } from './peer-tree-head.entity';
import { PeerTreeHeadRepository } from './peer-tree-head.repository';

/** A SHA-256 hash in base64url. */
const HASH = /^[A-Za-z0-9_-]{43}$/;

export class TreeHeadBody {
  @IsString()
  @MaxChars(4096)
  jws!: string;
}

export class ConsistencyRequestBody {
  @IsInt()
  @Min(0)
  from!: number;

  @IsInt()
  @Min(0)
  to!: number;
}

/** A consistency proof between two sizes of the answering node's log (hashes in base64url). */
export class ConsistencyResult extends ConsistencyRequestBody {
  @Matches(HASH)
  fromRoot!: string;

  @Matches(HASH)
  toRoot!: string;

  // A proof between two sizes of a log holds at most about 2·log2(size) hashes.
  @IsArray()
  @ArrayMaxSize(128)
  @Matches(HASH, { each: true })
  proof!: string[];
}

const CHECK_INTERVAL_MS = 1000;

/**
 * Nodes hold each other's signed tree heads. Each new head this node signs goes to every allowed
 * peer; each head a peer sends is kept and checked against the previous one held, with a
 * consistency proof the peer must produce. A peer that rewrote its history cannot produce it.
 */
@Injectable()
export class TreeHeadExchange implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TreeHeadExchange.name);
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private readonly broadcasts = new Set<Promise<void>>();

  constructor(
    private readonly registry: MessageRegistry,
    private readonly audit: AuditLog,
    private readonly peers: PeersService,
    private readonly heads: PeerTreeHeadRepository,
    private readonly outbox: OutboxService,
    private readonly queries: QueryClient,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.registry.register<TreeHeadBody>({
      type: 'audit.tree-head',
      kind: 'event',
      body: TreeHeadBody,
      verify: async ({ body, claims }) => {
        await this.verifiedHead(claims.from, body.jws);
      },
      // `verify` checked the signature just before; inside the transaction only the payload is read.
      apply: async ({ body, claims }, manager) => {
        const head = readTreeHead(body.jws)!;
        const conflicting = await this.heads.insertIfNew(
          manager,
          Object.assign(new PeerTreeHeadEntity(), {
            peer: claims.from,
            size: String(head.size),
            root: head.root,
            jws: body.jws,
            receivedAt: new Date(),
            consistency: 'unchecked',
            problem: null,
            checkedAt: null,
          }),
        );
        if (conflicting) {
          this.metrics.inconsistentPeerLogs.inc({ peer: claims.from });
          this.logger.error(
            { peer: claims.from, size: head.size },
            `${claims.from} signed two different roots for ${head.size} entries: both heads are kept`,
          );
        }
      },
    });
    this.registry.register<ConsistencyRequestBody>({
      type: 'audit.consistency',
      kind: 'query',
      body: ConsistencyRequestBody,
      result: ConsistencyResult,
      answer: async ({ body }) => {
        try {
          return { ...(await this.audit.consistencyProof(body.from, body.to)) };
        } catch (error) {
          // Sizes this log does not have are the asker's mistake, refused in the receipt.
          if (error instanceof AuditException)
            throw new EnvelopeError(EnvelopeErrorCode.BodyInvalid, error.message);
          throw error;
        }
      },
    });
    this.audit.onTreeHead((head) => {
      const sending = this.broadcast(head).finally(() => this.broadcasts.delete(sending));
      this.broadcasts.add(sending);
    });
  }

  onApplicationBootstrap(): void {
    const failures = new RepeatedFailure(this.logger, 'checking peer tree heads');
    this.timer = setInterval(() => {
      this.checking ??= this.checkPending()
        .then(
          () => failures.succeeded(),
          (error: unknown) => failures.failed(error),
        )
        .finally(() => (this.checking = undefined));
    }, CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([this.checking, ...this.broadcasts]);
  }

  /** Sends a tree head this node signed to every allowed peer. */
  private async broadcast(head: SignedTreeHead): Promise<void> {
    try {
      for (const peer of await this.peers.listAllowed()) {
        await this.outbox.send({ to: peer.region, type: 'audit.tree-head', body: { jws: head.jws } });
      }
    } catch (error) {
      this.logger.error({ err: error, size: head.size }, 'could not queue a tree head for the peers');
    }
  }

  /**
   * Checks every held head not yet checked against the consistent ones of the same peer nearest to
   * it: the largest smaller (the log grew from it) and the smallest larger (a head arriving late, or
   * a log cut back and grown again: it must be a prefix of what the peer signed before).
   */
  async checkPending(): Promise<void> {
    for (const head of await this.heads.unchecked(50)) {
      const previous = await this.heads.nearestTrusted(head.peer, head.size, 'below');
      const next = await this.heads.nearestTrusted(head.peer, head.size, 'above');
      let problem: string | null = null;
      try {
        if (previous) problem = await this.extension(head.peer, previous, head);
        if (!problem && next) problem = await this.extension(head.peer, head, next);
      } catch (error) {
        // Unreachable now: try again on the next round.
        this.logger.warn(
          { peer: head.peer, size: head.size, reason: (error as Error).message },
          'could not check a peer tree head yet',
        );
        continue;
      }
      await this.heads.mark(head.peer, head.size, problem ? 'inconsistent' : 'consistent', problem);
      if (problem) {
        this.metrics.inconsistentPeerLogs.inc({ peer: head.peer });
        this.logger.error({ peer: head.peer, size: head.size }, problem);
      }
    }
  }

  /**
   * Asks the peer to prove that its signed head `newer` extends its signed head `older`; returns
   * what is wrong, or null when the proof holds. A peer that refuses to prove it for its own sizes
   * (its log no longer holds that many entries) cannot: that is a problem too. Throws when the
   * peer cannot be asked now.
   */
  private async extension(
    peer: string,
    older: PeerTreeHeadEntity,
    newer: PeerTreeHeadEntity,
  ): Promise<string | null> {
    const problem = `the log of ${peer} at ${newer.size} entries does not extend its signed head at ${older.size}`;
    let result: Record<string, unknown>;
    try {
      ({ result } = await this.queries.query(peer, 'audit.consistency', {
        from: Number(older.size),
        to: Number(newer.size),
      }));
    } catch (error) {
      if (
        error instanceof FederationException &&
        error.code === FederationErrorCode.QueryRefused &&
        error.peerCode === EnvelopeErrorCode.BodyInvalid
      )
        return `${problem}: it does not prove it (${error.message})`;
      throw error;
    }
    const proof = Array.isArray(result.proof) ? result.proof.map((p) => hashFromBase64Url(String(p))) : [];
    const oldRoot = hashFromBase64Url(older.root);
    const newRoot = hashFromBase64Url(newer.root);
    const ok =
      oldRoot !== undefined &&
      newRoot !== undefined &&
      proof.every((p) => p !== undefined) &&
      result.fromRoot === older.root &&
      result.toRoot === newer.root &&
      verifyConsistency(Number(older.size), Number(newer.size), oldRoot, newRoot, proof as Uint8Array[]);
    return ok ? null : problem;
  }

  private async verifiedHead(from: string, jws: string): Promise<TreeHead> {
    const peer = await this.peers.require(from);
    const kid = treeHeadKid(jws);
    const key = kid ? await this.peers.pinnedKey(peer, kid) : undefined;
    let head: TreeHead | undefined;
    try {
      head = key ? await verifyTreeHead(jws, key) : undefined;
    } catch {
      head = undefined;
    }
    if (!head || head.region !== from) {
      throw new EnvelopeError(
        EnvelopeErrorCode.BodyInvalid,
        `the tree head is not a well-formed head of ${from}, signed by a key pinned for it`,
      );
    }
    if (!this.peers.signedWhileActive(peer, kid!, head.signedAt)) {
      throw new EnvelopeError(
        EnvelopeErrorCode.KeyRetired,
        `the tree head is signed by key ${kid}, which ${from} retired before the head's date`,
      );
    }
    return head;
  }

  list(peer: string): Promise<PeerTreeHeadEntity[]> {
    return this.heads.list(peer);
  }
}

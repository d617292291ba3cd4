import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsISO8601,
  IsObject,
  IsString,
  Matches,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { AgreementDirectory, AgreementGate } from '@regulink/agreements';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import {
  ExchangeRefusedException,
  FederationException,
  MessageRegistry,
  OutboxService,
  PeersService,
  QueryClient,
  type ReceivedMessage,
} from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { MetricsService } from '@regulink/metrics';
import { TableStatistics, TableWatch } from '@regulink/persistence';
import {
  EnvelopeError,
  EnvelopeErrorCode,
  isRecordInBatch,
  MAX_BATCH_RECORDS,
  recordBatchKid,
  recordBatchTree,
  signRecordBatch,
  verifyRecordBatchHead,
  type RecordBatchHead,
  MaxChars,
} from '@regulink/protocol';
import { PASS_OVER, type ReceivedRecord, type RecordFeed } from './record-feed';
import { SyncRepository } from './sync.repository';

/** `<scope>.ready`: the sender has new records for the receiver; a nudge to pull now. */
export class FeedReadyBody {
  @IsISO8601()
  at!: string;
}

/** A feed position as it crosses between nodes: a decimal bigint, 18 digits at most (always in range). */
const FEED_POSITION = /^(0|[1-9][0-9]{0,17})$/;

/** `<scope>.pull`: the next batch after a feed position. */
export class FeedPullBody {
  @Matches(FEED_POSITION, { message: 'after must be a feed position (a decimal of at most 18 digits)' })
  after!: string;
}

/** A signed batch as a pull carries it; the head and each record are checked when it is taken. */
class PulledBatch {
  @IsString()
  @MaxChars(16_384)
  head!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_BATCH_RECORDS)
  @IsObject({ each: true })
  records!: Record<string, unknown>[];
}

/** The answer to a pull, as its schema: the next signed batch (none when up to date) and where the feed now stands. */
export class FeedPullResult {
  @ValidateIf((_, value) => value !== null)
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PulledBatch)
  batch!: PulledBatch | null;

  @Matches(FEED_POSITION, { message: 'position must be a feed position (a decimal of at most 18 digits)' })
  position!: string;

  @IsBoolean()
  more!: boolean;
}

/** What a pull is answered with: the next signed batch (none when up to date) and where the feed now stands. */
interface PullAnswer {
  readonly batch: { readonly head: string; readonly records: Record<string, unknown>[] } | null;
  readonly position: string;
  readonly more: boolean;
}

/** Who signed a record held here, when, under which agreement, and whether that still verifies. */
export interface HeldProvenance {
  readonly signedBy: string | null;
  readonly batch: string;
  readonly signedAt: string | null;
  readonly agreement: string | null;
  readonly verified: boolean;
}

/** A pull refused by this node's checks of the answer. */
export class SyncError extends Error {
  constructor(
    readonly code:
      'ANSWER_MALFORMED' | 'BATCH_SIGNATURE' | 'BATCH_MISMATCH' | 'ROOT_MISMATCH' | 'CURSOR_MOVED',
    message: string,
  ) {
    super(message);
    this.name = 'SyncError';
  }
}

/** Most records one batch takes; fewer when they would not fit in one envelope. */
const BATCH_RECORDS = 2000;
/** How long a pull may take to be answered. */
const PULL_DEADLINE_MS = 30_000;
/**
 * How long a replica holds a feed it pulls (renewed every third of it while it does): the others
 * take it over only once it has let go, or stopped for that long (a crashed process, restarted,
 * pulls again that much later).
 */
const PULL_LEASE_MS = 6_000;
/** Nudges for one kind are sent at most this often. */
const NUDGE_COALESCE_MS = 250;

/**
 * Moves records between nodes as signed batches, by pull. Each node keeps a change feed per kind
 * of record; a peer entitled to part of it pulls the next batch after its cursor, checks the batch
 * (signature by a key pinned for the sender, the agreement, the Merkle root rebuilt from the
 * records, each record's shape and field policy) and stores the records with their inclusion
 * proofs and its new cursor in one transaction. A push nudge says new data is ready; a lost one
 * only delays until the next poll, and a batch lost on the way is pulled again from the same
 * cursor. A crash on either side loses nothing: the cursor only moves with what it covers.
 */
@Injectable()
export class SyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SyncService.name);
  /** This process among the replicas of the node, as it holds the feeds it pulls. */
  private readonly holder = randomUUID();
  private readonly feeds = new Map<string, RecordFeed>();
  /** Pulls running now, by peer and kind; a pull asked for meanwhile runs once more after it. */
  private readonly pulling = new Map<string, { again: boolean; done: Promise<void> }>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private readonly nudges = new Map<string, NodeJS.Timeout>();
  /** Mean bytes of the records of each kind in the last batch answered, to size the next read. */
  private readonly recordBytes = new Map<string, number>();
  private poller: NodeJS.Timeout | undefined;
  /** A look at the agreements after they changed, waiting to start. */
  private agreementCheck: NodeJS.Timeout | undefined;
  /** The agreements active when last looked at (before the first look: not known). */
  private active: Set<string> | undefined;
  private unwatch: () => void = () => undefined;
  private stopping = false;

  constructor(
    private readonly messages: MessageRegistry,
    private readonly queries: QueryClient,
    private readonly outbox: OutboxService,
    private readonly gate: AgreementGate,
    private readonly directory: AgreementDirectory,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
    private readonly repository: SyncRepository,
    private readonly metrics: MetricsService,
    private readonly statistics: TableStatistics,
    private readonly watch: TableWatch,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Makes a kind of record movable: its nudge and pull message types, under the feed's scope. */
  register(feed: RecordFeed): void {
    this.feeds.set(feed.kind, feed);
    this.messages.register<FeedReadyBody>({
      type: `${feed.scope}.ready`,
      kind: 'event',
      scope: feed.scope,
      body: FeedReadyBody,
      apply: async ({ claims }) => {
        // Pull once the nudge is recorded; the pull does not depend on it.
        setImmediate(() => this.pull(feed.kind, claims.from));
      },
    });
    this.messages.register<FeedPullBody>({
      type: `${feed.scope}.pull`,
      kind: 'query',
      scope: feed.scope,
      flow: 'answer',
      body: FeedPullBody,
      result: FeedPullResult,
      answer: (message) => this.answer(feed, message) as unknown as Promise<Record<string, unknown>>,
    });
  }

  onApplicationBootstrap(): void {
    // Catch up at start (after a crash, or nudges lost while down), then poll.
    setImmediate(() => void this.pullAll());
    this.poller = setInterval(() => void this.pullAll(), this.config.federation.syncPollSeconds * 1000);
    // An agreement that comes in force (first signed, renewed, resumed) lets through what waited:
    // its partners are told at once of records waiting for them here (none told, none counted in
    // the quota, when nothing waits). Each side tells of what it holds.
    void this.newlyInForce();
    this.unwatch = this.watch.onChange('agreement', () => {
      if (this.agreementCheck || this.stopping) return;
      this.agreementCheck = setTimeout(() => {
        this.agreementCheck = undefined;
        void this.nudgeNewlyInForce();
      }, NUDGE_COALESCE_MS);
    });
  }

  /** Nudges the partners of agreements newly in force about each feed with records not yet sent to them. */
  private async nudgeNewlyInForce(): Promise<void> {
    const partners = await this.newlyInForce();
    if (partners.length === 0 || this.stopping) return;
    try {
      for (const feed of this.feeds.values()) {
        const receivers = new Set(await this.gate.partners(feed.scope, 'to'));
        const newest = BigInt(await feed.newest());
        const waiting: string[] = [];
        for (const peer of partners) {
          if (receivers.has(peer) && newest > BigInt(await this.repository.sentTo(peer, feed.kind)))
            waiting.push(peer);
        }
        await this.sendNudges(feed, waiting);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'could not tell partners of records waiting for them');
    }
  }

  /**
   * The other parties of the agreements active now that were not when last looked at (none the
   * first time). Never throws.
   */
  private async newlyInForce(): Promise<string[]> {
    try {
      const agreements = await this.directory.all();
      const active = agreements.filter((a) => a.state === 'active');
      const fresh = this.active === undefined ? [] : active.filter((a) => !this.active!.has(a.id));
      this.active = new Set(active.map((a) => a.id));
      const own = this.identity.region;
      return [...new Set(fresh.flatMap((a) => a.parties.filter((party) => party !== own)))];
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the agreements after a change');
      return [];
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unwatch();
    clearTimeout(this.agreementCheck);
    clearInterval(this.poller);
    for (const timer of [...this.retries.values(), ...this.nudges.values()]) clearTimeout(timer);
    await Promise.allSettled([...this.pulling.values()].map((p) => p.done));
  }

  /** Tells every peer entitled to records of this kind that new ones are ready (coalesced). */
  announce(kind: string): void {
    if (this.nudges.has(kind) || this.stopping) return;
    this.nudges.set(
      kind,
      setTimeout(() => {
        this.nudges.delete(kind);
        void this.sendNudges(this.feeds.get(kind)!);
      }, NUDGE_COALESCE_MS),
    );
  }

  /** Pulls every feed from every peer entitled to send it here. */
  async pullAll(): Promise<void> {
    if (this.stopping) return;
    const pulls: Promise<void>[] = [];
    for (const feed of this.feeds.values()) {
      for (const peer of await this.gate.partners(feed.scope, 'from')) pulls.push(this.pull(feed.kind, peer));
    }
    await Promise.all(pulls);
  }

  /**
   * Pulls one peer's feed of one kind until it is up to date; one pull per peer and kind runs at
   * a time, here and across the replicas of the node: a request meanwhile makes the one pulling go
   * round once more (the other replica's, when it holds the feed). Failures are recorded on the
   * cursor and retried with backoff; they never throw.
   */
  pull(kind: string, peer: string): Promise<void> {
    return this.run(kind, peer, 'ask');
  }

  /** A pull, or (`stale`) a look at a feed another replica held: taken over if it stopped holding it unawares. */
  private run(kind: string, peer: string, mode: 'ask' | 'stale'): Promise<void> {
    const key = `${peer}/${kind}`;
    const running = this.pulling.get(key);
    if (running) {
      running.again = true;
      return running.done;
    }
    const state = { again: true, done: Promise.resolve() };
    state.done = (async () => {
      try {
        for (let first = true; state.again && !this.stopping; first = false) {
          state.again = false;
          const outcome = await this.pullHeld(this.feeds.get(kind)!, peer, first ? mode : 'ask');
          if (!outcome.pulled) {
            // Held by another replica (asked to go round once more). Should that one stop
            // without letting go, its hold runs out: looked at again then.
            if (outcome.heldUntil) this.lookAgain(kind, peer, outcome.heldUntil);
            break;
          }
        }
      } catch (error) {
        // Taking or letting go of the feed failed (the database away): tried again later.
        const delay = this.config.federation.retryMaxMs;
        this.logger.warn({ err: error, peer, kind, retryInMs: delay }, 'could not take a feed to pull');
        this.later(kind, peer, 'ask', delay);
      } finally {
        this.pulling.delete(key);
      }
    })();
    this.pulling.set(key, state);
    return state.done;
  }

  /** Looks at a feed another replica holds once its hold would have run out, unrenewed. */
  private lookAgain(kind: string, peer: string, heldUntil: Date): void {
    this.later(
      kind,
      peer,
      'stale',
      Math.max(0, heldUntil.getTime() - Date.now()) + 1000 + Math.random() * 1000,
    );
  }

  private later(kind: string, peer: string, mode: 'ask' | 'stale', delayMs: number): void {
    const key = `${peer}/${kind}`;
    clearTimeout(this.retries.get(key));
    if (!this.stopping)
      this.retries.set(
        key,
        setTimeout(() => void this.run(kind, peer, mode), delayMs),
      );
  }

  /**
   * Pulls the feed while holding it against the other replicas of the node, going round again as
   * long as one asks for it. Not held (another replica holds it), says until when.
   */
  private async pullHeld(
    feed: RecordFeed,
    peer: string,
    mode: 'ask' | 'stale',
  ): Promise<{ pulled: true } | { pulled: false; heldUntil: Date | null }> {
    const { kind } = feed;
    const claim = await this.repository.claimPull(peer, kind, this.holder, PULL_LEASE_MS, mode);
    if (!claim.claimed) return { pulled: false, heldUntil: claim.heldUntil };
    const renewal = setInterval(() => {
      this.repository.renewPull(peer, kind, this.holder, PULL_LEASE_MS).catch((error: unknown) => {
        this.logger.warn({ err: error, peer, kind }, 'could not renew the hold on a feed being pulled');
      });
    }, PULL_LEASE_MS / 3);
    try {
      do await this.pullUntilCurrent(feed, peer);
      while (!(await this.repository.releasePull(peer, kind, this.holder, this.stopping)));
    } finally {
      clearInterval(renewal);
    }
    return { pulled: true };
  }

  /**
   * Per peer and kind: the cursor, the last pull and its error, the batches and records received,
   * and whether an agreement in force now lets the peer send it here (`inForce`: when not, as while
   * it is suspended, the feed is not pulled).
   */
  async status(): Promise<Record<string, unknown>[]> {
    const senders = new Map<string, Set<string>>();
    for (const feed of this.feeds.values())
      senders.set(feed.kind, new Set(await this.gate.partners(feed.scope, 'from')));
    const rows = await this.repository.status();
    return rows.map((row) => ({
      ...row,
      inForce: senders.get(row.kind as string)?.has(row.peer as string) ?? false,
    }));
  }

  /**
   * Whether a record held here is what its sender signed: its batch head verifies with the key
   * pinned for the sender, and its proof leads from the record to the signed root. Says who signed
   * it, when and under which agreement.
   */
  async verifyHeld(held: {
    record: unknown;
    index: number;
    proof: readonly string[];
    batchId: string;
  }): Promise<HeldProvenance> {
    const batch = await this.repository.findBatch(held.batchId);
    if (!batch)
      return { signedBy: null, batch: held.batchId, signedAt: null, agreement: null, verified: false };
    const unverified = {
      signedBy: batch.peer,
      batch: batch.id,
      signedAt: null,
      agreement: batch.agreement,
      verified: false,
    };
    const peer = await this.peers.find(batch.peer);
    const kid = recordBatchKid(batch.head);
    const key = peer && kid ? await this.peers.pinnedKey(peer, kid) : undefined;
    if (!key) return unverified;
    try {
      const head = await verifyRecordBatchHead(batch.head, key);
      return {
        ...unverified,
        signedAt: head.signedAt,
        verified:
          head.from === batch.peer &&
          this.peers.signedWhileActive(peer!, kid!, head.signedAt) &&
          isRecordInBatch(held.record, held.index, held.proof, head),
      };
    } catch {
      return unverified;
    }
  }

  private async pullUntilCurrent(feed: RecordFeed, peer: string): Promise<void> {
    const key = `${peer}/${feed.kind}`;
    clearTimeout(this.retries.get(key));
    this.retries.delete(key);
    // The next batch is asked for while the last one is checked and stored, so that the sender
    // builds and signs it meanwhile; it is taken only once the last one is stored. One asked for
    // ahead and not taken (a failure, a stop) is asked for again from the cursor next time.
    try {
      let after = await this.repository.position(peer, feed.kind);
      let next: Promise<PullAnswer> | undefined = this.fetch(feed, peer, after);
      while (next && !this.stopping) {
        const answer: PullAnswer = await next;
        next = answer.batch !== null && answer.more ? this.fetch(feed, peer, answer.position) : undefined;
        // Its failure is met when it is awaited (or never, when the store below fails): not
        // an unhandled rejection while the store runs.
        next?.catch(() => undefined);
        await this.take(feed, peer, after, answer);
        after = answer.position;
      }
    } catch (error) {
      const code =
        error instanceof SyncError ? error.code : ((error as { code?: string }).code ?? 'PULL_FAILED');
      const message = error instanceof Error ? error.message : String(error);
      this.metrics.failedPulls.inc({ kind: feed.kind, code });
      const failures = await this.repository.failed(peer, feed.kind, `${code}: ${message}`).catch(() => 1);
      const { retryBaseMs, retryMaxMs } = this.config.federation;
      const delay =
        Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(failures - 1, 20)) * (0.5 + Math.random() / 2);
      // Refused by the agreement (here or by the peer): trying again soon would be refused again,
      // and a pull counts in the day's quota. The next poll tries again, or the agreement's resume.
      const refused = agreementRefusal(error);
      this.logger.warn(
        refused
          ? { peer, kind: feed.kind, code: refused, failures }
          : { peer, kind: feed.kind, code, failures, retryInMs: Math.round(delay) },
        `pull failed: ${message}`,
      );
      if (!refused) this.later(feed.kind, peer, 'ask', delay);
    }
  }

  /** Asks the peer for the next batch after `after`, checked for shape. */
  private async fetch(feed: RecordFeed, peer: string, after: string): Promise<PullAnswer> {
    const { result } = await this.queries.query(peer, `${feed.scope}.pull`, { after }, PULL_DEADLINE_MS);
    return readAnswer(result, after);
  }

  /** Checks and stores a pull's answer, moving the cursor from `after` to its position. */
  private async take(feed: RecordFeed, peer: string, after: string, answer: PullAnswer): Promise<void> {
    if (answer.batch === null) {
      if (answer.position === after) await this.repository.upToDate(peer, feed.kind);
      else
        await this.repository.transaction((m) =>
          this.repository.advance(m, peer, feed.kind, after, answer.position),
        );
      return;
    }
    const { head, records, proofs } = await this.checkBatch(feed, peer, answer.batch);
    const problems = await feed.check(records, peer);
    const policy = await this.gate.fieldPolicy(
      head.agreement,
      feed.personalFields,
      { scope: feed.scope, from: peer, to: this.identity.region },
      feed.fieldFloor,
    );
    if (!policy)
      throw new SyncError('BATCH_MISMATCH', `agreement ${head.agreement} does not allow this batch`);
    const accepted: ReceivedRecord[] = [];
    const rejected: { index: number; reason: string }[] = [];
    let passedOver = 0;
    records.forEach((record, index) => {
      const reason = problems[index] ?? policy.violations(record).join('; ');
      if (reason === PASS_OVER) passedOver++;
      else if (reason) rejected.push({ index, reason });
      else accepted.push({ record, index, proof: proofs[index]! });
    });
    await this.repository.transaction(async (manager) => {
      if (!(await this.repository.advance(manager, peer, feed.kind, after, answer.position))) {
        throw new SyncError('CURSOR_MOVED', `another pull of ${peer}'s ${feed.kind} feed moved the cursor`);
      }
      await this.repository.addBatch(
        {
          id: head.id,
          direction: 'in',
          kind: feed.kind,
          peer,
          agreement: head.agreement,
          head: answer.batch!.head,
          size: head.size,
          position: answer.position,
          rejected,
          createdAt: new Date(),
        },
        manager,
      );
      if (accepted.length > 0) await feed.store(manager, peer, head.id, accepted);
    });
    this.metrics.syncedRecords.inc({ kind: feed.kind, outcome: 'stored' }, accepted.length);
    if (passedOver > 0)
      this.metrics.syncedRecords.inc({ kind: feed.kind, outcome: 'passed-over' }, passedOver);
    this.statistics.grew(feed.table, accepted.length);
    if (rejected.length > 0) {
      this.metrics.syncedRecords.inc({ kind: feed.kind, outcome: 'refused' }, rejected.length);
      this.logger.warn(
        { peer, kind: feed.kind, batch: head.id, refused: rejected.length, first: rejected[0] },
        'records of a received batch were refused',
      );
    }
    feed.stored?.(peer);
  }

  /**
   * A received batch is the peer's, for this node, of this kind, under an agreement that lets the
   * scope go from the peer to here, and its records are exactly what the signed root covers.
   */
  private async checkBatch(
    feed: RecordFeed,
    peer: string,
    batch: NonNullable<PullAnswer['batch']>,
  ): Promise<{ head: RecordBatchHead; records: Record<string, unknown>[]; proofs: string[][] }> {
    const sender = await this.peers.require(peer);
    const kid = recordBatchKid(batch.head);
    const key = kid ? await this.peers.pinnedKey(sender, kid) : undefined;
    if (!key) throw new SyncError('BATCH_SIGNATURE', `the batch is not signed by a key pinned for ${peer}`);
    let head: RecordBatchHead;
    try {
      head = await verifyRecordBatchHead(batch.head, key);
    } catch (error) {
      throw new SyncError('BATCH_SIGNATURE', `the batch head does not verify: ${(error as Error).message}`);
    }
    if (!this.peers.signedWhileActive(sender, kid!, head.signedAt)) {
      throw new SyncError(
        'BATCH_SIGNATURE',
        `the batch is signed by key ${kid}, which ${peer} retired before the batch's date`,
      );
    }
    const own = this.identity.region;
    if (
      head.kind !== feed.kind ||
      head.from !== peer ||
      head.to !== own ||
      head.size !== batch.records.length
    ) {
      throw new SyncError(
        'BATCH_MISMATCH',
        `the batch says ${head.size} ${head.kind} records ${head.from} -> ${head.to}; expected ${batch.records.length} ${feed.kind} records ${peer} -> ${own}`,
      );
    }
    const permitted = await this.gate.permits(head.agreement, { scope: feed.scope, from: peer, to: own });
    if (!permitted.allowed) throw new SyncError('BATCH_MISMATCH', permitted.reason);
    // Stored records must stay provable from the agreement alone: their batch key must be one it pins.
    if (!(await this.gate.pinsKey(head.agreement, peer, kid!))) {
      throw new SyncError(
        'BATCH_SIGNATURE',
        `the batch is signed by key ${kid}, which agreement ${head.agreement} does not pin for ${peer} ` +
          '(a key rotated since it was signed): its records could not be proven; renew the agreement',
      );
    }
    const tree = recordBatchTree(batch.records);
    if (tree.root !== head.root) {
      throw new SyncError('ROOT_MISMATCH', 'the records do not hash to the signed root');
    }
    return { head, records: batch.records, proofs: tree.proofs };
  }

  /** Answers a peer's pull: the next batch of its records after its cursor, signed. */
  private async answer(feed: RecordFeed, message: ReceivedMessage<FeedPullBody>): Promise<PullAnswer> {
    const { claims, body } = message;
    const peer = claims.from;
    const agreement = claims.agreement!;
    const policy = await this.gate.fieldPolicy(
      agreement,
      feed.personalFields,
      { scope: feed.scope, from: this.identity.region, to: peer },
      feed.fieldFloor,
    );
    if (!policy)
      throw new EnvelopeError(EnvelopeErrorCode.NoAgreement, `agreement ${agreement} does not allow this`);
    const signer = this.identity.signer();
    if (!(await this.gate.pinsKey(agreement, this.identity.region, signer.kid))) {
      // Signed with a key the agreement does not pin, the batch could never be proven from it.
      this.logger.error(
        { agreement, peer, kid: signer.kid },
        "cannot sign records under an agreement that does not pin this node's key: renew it",
      );
      throw new EnvelopeError(
        'AGREEMENT_KEY_NOT_PINNED',
        `${this.identity.region} signs with key ${signer.kid}, which agreement ${agreement} does not pin ` +
          '(its key was rotated since): the agreement must be renewed',
      );
    }
    // Fill the batch up to what one signed answer can carry (base64url adds a third), reading
    // about as many records as the last ones of this kind suggest will fit.
    const budget = Math.floor(this.config.federation.maxEnvelopeBytes * 0.7) - 4096;
    const typical = this.recordBytes.get(feed.kind) ?? 512;
    const limit = Math.max(1, Math.min(BATCH_RECORDS, Math.ceil((budget / typical) * 1.1)));
    // Read before the records: everything up to it is among what the read below can see.
    const newest = await feed.newest();
    const entries = await feed.read(peer, body.after, limit);
    const records: Record<string, unknown>[] = [];
    let bytes = 0;
    let position = body.after;
    for (const entry of entries) {
      const record = policy.treat(entry.record);
      const size = Buffer.byteLength(JSON.stringify(record)) + 1;
      if (records.length > 0 && bytes + size > budget) break;
      bytes += size;
      records.push(record);
      position = entry.position;
    }
    // When this read found all there is for the peer, its cursor may pass what belongs to others,
    // so that the next pull does not walk over them again.
    const exhausted = entries.length < limit && records.length === entries.length;
    if (exhausted && BigInt(newest) > BigInt(position)) position = newest;
    if (records.length === 0) return { batch: null, position, more: false };
    this.recordBytes.set(feed.kind, Math.max(64, Math.ceil(bytes / Math.max(1, records.length))));
    const id = uuidv7();
    const signed = await signRecordBatch(
      { id, kind: feed.kind, from: this.identity.region, to: peer, agreement },
      records,
      signer,
    );
    await this.repository.addBatch({
      id,
      direction: 'out',
      kind: feed.kind,
      peer,
      agreement,
      head: signed.head,
      size: records.length,
      position,
      rejected: [],
      createdAt: new Date(),
    });
    return {
      batch: { head: signed.head, records },
      position,
      more: records.length < entries.length || entries.length === limit,
    };
  }

  /** Nudges `peers` (every peer entitled to the feed when not given) that records are ready. */
  private async sendNudges(feed: RecordFeed, peers?: readonly string[]): Promise<void> {
    for (const peer of peers ?? (await this.gate.partners(feed.scope, 'to'))) {
      try {
        await this.outbox.send({
          to: peer,
          type: `${feed.scope}.ready`,
          body: { at: new Date().toISOString() },
          agreement: null,
        });
      } catch (error) {
        // A nudge that cannot go only delays: the peer polls.
        this.logger.warn({ peer, kind: feed.kind, err: error }, 'could not nudge a peer');
      }
    }
  }
}

/** What an agreement refuses an exchange for: not worth trying again before it changes, or another day. */
const AGREEMENT_REFUSALS: ReadonlySet<string> = new Set([
  EnvelopeErrorCode.NoAgreement,
  EnvelopeErrorCode.AgreementNotActive,
  EnvelopeErrorCode.AgreementSuspended,
  EnvelopeErrorCode.AgreementRevoked,
  EnvelopeErrorCode.AgreementExpired,
  EnvelopeErrorCode.ScopeNotAllowed,
  EnvelopeErrorCode.DirectionNotAllowed,
  EnvelopeErrorCode.QuotaExceeded,
]);

/** The agreement's code when a pull was refused by an agreement, here or at the peer; else null. */
function agreementRefusal(error: unknown): string | null {
  const code =
    error instanceof ExchangeRefusedException
      ? error.code
      : error instanceof FederationException
        ? error.peerCode
        : undefined;
  return code !== undefined && AGREEMENT_REFUSALS.has(code) ? code : null;
}

/** The answer to a pull, checked for shape: a batch of at most MAX_BATCH_RECORDS, a position not behind the cursor. */
/** A pull's answer (its shape checked against FeedPullResult on arrival) against the cursor it was asked from. */
function readAnswer(result: Record<string, unknown>, after: string): PullAnswer {
  const answer = result as unknown as PullAnswer;
  const fail = (why: string) => new SyncError('ANSWER_MALFORMED', `the pull was answered with ${why}`);
  if (BigInt(answer.position) < BigInt(after)) throw fail('a position behind the cursor');
  if (answer.batch !== null && BigInt(answer.position) === BigInt(after))
    throw fail('records but no new position');
  return answer;
}

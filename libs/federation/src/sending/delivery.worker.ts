import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AuditLog } from '@regulink/audit';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { MetricsService } from '@regulink/metrics';
import { RepeatedFailure } from '@regulink/persistence';
import { EnvelopeErrorCode, parseEnvelope, sha256Base64Url, type EnvelopeClaims } from '@regulink/protocol';
import { Clock } from '../clock';
import { MessageRegistry } from '../messages/message-registry';
import { ExchangePolicy } from '../receiving/exchange-policy';
import { FederationException } from '../federation.exception';
import { PeersService } from '../peers/peers.service';
import { FederationTransport, TransportError } from '../transport/federation-transport';
import type { OutboxMessageEntity } from './outbox-message.entity';
import { OutboxRepository } from './outbox.repository';
import { ReplyVerifier } from './reply-verifier';

const BATCH = 256;
const IN_FLIGHT = 32;
const IDLE_POLL_MS = 200;
/** Longest wait between two rounds that failed in a row. */
const FAILED_POLL_MAX_MS = 5_000;
const SEND_TIMEOUT_MS = 15_000;
/** How often a message held by a suspension is looked at again (at most; see heldUntil). */
const HELD_RECHECK_MS = 10_000;
/** How often, at most, a message a peer refused for a key it has not pinned yet is sent again. */
const UNPINNED_RECHECK_MS = 30_000;
/**
 * Long enough for a send to time out; a worker that dies releases its messages when it runs out.
 * A round renews it every third of it for the messages still waiting their turn.
 */
const LEASE_MS = 2 * SEND_TIMEOUT_MS;

/**
 * Delivers the outbox: takes due messages (safely next to other replicas), sends them, verifies
 * and stores the receipts, and reschedules failures with exponential backoff and jitter. A
 * message its agreement no longer allows is cancelled, except under a suspension: it waits. A crash
 * at any point loses nothing: a leased message comes back after its lease, and the receiver
 * recognises a redelivery by its envelope id.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly peers: PeersService,
    private readonly transport: FederationTransport,
    private readonly verifier: ReplyVerifier,
    private readonly audit: AuditLog,
    private readonly metrics: MetricsService,
    private readonly policy: ExchangePolicy,
    private readonly registry: MessageRegistry,
    private readonly clock: Clock,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Look at the outbox now rather than at the next poll (after queueing, for instance). */
  nudge(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    // Rounds failed in a row (the database away, say) each wait twice as long as the one before.
    const failures = new RepeatedFailure(this.logger, 'outbox delivery round');
    while (this.running) {
      let worked = false;
      try {
        worked = await this.deliverDue();
        failures.succeeded();
      } catch (error) {
        failures.failed(error);
      }
      if (!worked && this.running) {
        const wait =
          failures.count === 0
            ? IDLE_POLL_MS
            : Math.min(FAILED_POLL_MAX_MS, IDLE_POLL_MS * 2 ** failures.count);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  /** One round: returns whether there was anything to do. */
  async deliverDue(): Promise<boolean> {
    // Due by the node's clock, the one that wrote next_attempt_at, not the database server's.
    const claim = randomUUID();
    const due = await this.outbox.claimDue(BATCH, LEASE_MS, this.clock.now(), claim);
    if (due.length === 0) return false;
    const byPeer = new Map<string, OutboxMessageEntity[]>();
    for (const message of due)
      byPeer.set(message.toRegion, [...(byPeer.get(message.toRegion) ?? []), message]);
    // The last messages of a round wait behind the first ones, longer than one lease: held on
    // for them, so that another replica does not send them meanwhile.
    const renewal = setInterval(() => {
      this.outbox.renew(claim, LEASE_MS).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'could not renew the lease of the messages being delivered');
      });
    }, LEASE_MS / 3);
    try {
      await Promise.all(
        [...byPeer.entries()].map(([region, messages]) => this.deliverToPeer(claim, region, messages)),
      );
    } finally {
      clearInterval(renewal);
    }
    return true;
  }

  private async deliverToPeer(claim: string, region: string, messages: OutboxMessageEntity[]): Promise<void> {
    const peer = await this.peers.find(region);
    let unreachable: string | undefined = peer ? undefined : `no peer ${region}`;
    if (peer && !this.transport.canReach(peer.federationEndpoint))
      unreachable = `no route to ${peer.federationEndpoint}`;
    const queue = [...messages];
    const worker = async () => {
      for (let message = queue.shift(); message; message = queue.shift()) {
        if (message.expiresAt.getTime() < this.clock.now().getTime()) {
          await this.audit.append([this.record(message, 'envelope-out', message.digest, 'expired', null)]);
          await this.outbox.settle(
            claim,
            message.id,
            'expired',
            null,
            null,
            'expired before it could be delivered',
            this.clock.now(),
          );
          this.metrics.deliveries.inc({ outcome: 'expired' });
          this.logger.error(
            { id: message.id, to: region, type: message.type },
            'an envelope expired undelivered',
          );
          continue;
        }
        // Read once: the agreement it rides on, and the time the receipt must be dated after.
        const { claims } = parseEnvelope(message.envelope, Number.MAX_SAFE_INTEGER);
        const refusal = await this.refusal(claims);
        if (refusal?.code === EnvelopeErrorCode.AgreementSuspended) {
          // A suspension is lifted again: what was signed while the agreement was in force waits
          // for it (within its envelope's life) rather than being dropped.
          await this.outbox.retryLater(claim, message.id, this.heldUntil(), `held: ${refusal.reason}`, true);
          this.metrics.deliveries.inc({ outcome: 'held' });
          continue;
        }
        if (refusal) {
          await this.audit.append([
            this.record(message, 'envelope-out', message.digest, 'cancelled', refusal.code),
          ]);
          await this.outbox.settle(
            claim,
            message.id,
            'cancelled',
            null,
            refusal.code,
            refusal.reason,
            this.clock.now(),
          );
          this.metrics.deliveries.inc({ outcome: 'cancelled' });
          this.logger.warn(
            { id: message.id, to: region, type: message.type, code: refusal.code },
            'a queued envelope is no longer allowed and was not delivered',
          );
          continue;
        }
        if (unreachable || !peer) {
          await this.outbox.retryLater(
            claim,
            message.id,
            this.retryAt(message.attempts),
            unreachable ?? 'unreachable',
          );
          continue;
        }
        try {
          const reply = await this.transport.request(
            peer.federationEndpoint,
            { envelope: message.envelope },
            SEND_TIMEOUT_MS,
          );
          if (reply.receipt === undefined && reply.error !== undefined) {
            // The peer could not take it now (its database away, say) and applied nothing: the rest
            // of this round waits too, and this is no fault of the message.
            const code = /^[A-Z_]{1,64}$/.test(reply.error) ? reply.error : 'an error';
            unreachable = `${region} could not take the envelope now (${code})`;
            await this.outbox.retryLater(claim, message.id, this.retryAt(message.attempts), unreachable);
            this.metrics.deliveries.inc({ outcome: 'retry' });
            continue;
          }
          const receipt = await this.verifier.receipt(peer, reply.receipt, {
            id: message.id,
            digest: message.digest,
            iat: claims.iat,
          });
          const status = receipt.status === 'rejected' ? 'rejected' : 'delivered';
          // Logged before it is marked settled: a settled message always has its audit entries.
          await this.audit.append([
            this.record(message, 'envelope-out', message.digest, 'sent', null),
            this.record(message, 'receipt-in', sha256Base64Url(receipt.jws), receipt.status, receipt.code),
          ]);
          if (status === 'rejected' && receipt.code === EnvelopeErrorCode.AgreementSuspended) {
            // The peer holds the agreement suspended before this node knows it: held as above
            // (the peer applied nothing, and keeps no trace of the envelope to call it a replay).
            const reason = `held: ${region} refused it, the agreement being suspended there`;
            await this.outbox.retryLater(claim, message.id, this.heldUntil(), reason);
            this.metrics.deliveries.inc({ outcome: 'held' });
            continue;
          }
          if (status === 'rejected' && receipt.code === EnvelopeErrorCode.UnpinnedKey) {
            // Signed with a key this node rotated to, which the peer has not pinned yet: it waits
            // (with backoff, within its envelope's life) for the peer's administrator to re-pin
            // this node's card, rather than being lost to the rotation.
            const reason = `held: ${region} has not pinned the key it is signed with; it must re-pin this node's card`;
            // Tried again at most every 30 s, so that it goes soon after the re-pin.
            const next = Math.min(
              this.retryAt(message.attempts).getTime(),
              this.jittered(UNPINNED_RECHECK_MS).getTime(),
            );
            await this.outbox.retryLater(claim, message.id, new Date(next), reason);
            this.metrics.deliveries.inc({ outcome: 'held' });
            if (message.attempts === 1)
              this.logger.warn(
                { id: message.id, to: region, type: message.type },
                "a peer has not pinned this node's signing key: messages to it wait until it re-pins this node's card",
              );
            continue;
          }
          const settled = await this.outbox.settle(
            claim,
            message.id,
            status,
            receipt.jws,
            receipt.code,
            null,
            this.clock.now(),
          );
          if (!settled) {
            // This worker's lease ran out (stalled) and another took the message over: its outcome
            // and receipt stand. The receiver applied the message once whichever came first.
            this.logger.warn(
              { id: message.id, to: region, type: message.type },
              'delivered an envelope another worker had taken over; its outcome is kept',
            );
            continue;
          }
          this.metrics.deliveries.inc({ outcome: status });
          if (status === 'rejected') {
            this.logger.error(
              { id: message.id, to: region, type: message.type, code: receipt.code },
              'a peer refused an envelope',
            );
          }
        } catch (error) {
          const reason =
            error instanceof TransportError || error instanceof FederationException
              ? error.message
              : String(error);
          // A peer that cannot be reached now will not be reached by the rest of this round either.
          if (error instanceof TransportError && !error.timedOut) unreachable = reason;
          await this.outbox.retryLater(claim, message.id, this.retryAt(message.attempts), reason);
          this.metrics.deliveries.inc({ outcome: 'retry' });
          if (!(error instanceof TransportError))
            this.logger.error({ id: message.id, to: region, reason }, 'delivery failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, messages.length) }, worker));
  }

  /** Why a queued envelope may no longer go (its agreement was revoked, say), or undefined. */
  private async refusal(claims: EnvelopeClaims): Promise<{ code: string; reason: string } | undefined> {
    const decision = await this.policy.deliverable(claims, this.registry.get(claims.type));
    return decision.allowed ? undefined : decision;
  }

  /**
   * When to look again at a message held by a suspension: soon, whatever its attempts (the check
   * is this node's own, no peer is called), so that it goes shortly after the resume.
   */
  private heldUntil(): Date {
    return this.jittered(Math.min(HELD_RECHECK_MS, this.config.federation.retryMaxMs));
  }

  /**
   * When to try again, on the node's clock: exponential backoff with jitter, between half and all
   * of base·2^(attempt−1) from now, capped.
   */
  private retryAt(attempts: number): Date {
    const { retryBaseMs, retryMaxMs } = this.config.federation;
    return this.jittered(Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempts - 1)));
  }

  /** A moment between half and all of `ceiling` ms from now, on the node's clock. */
  private jittered(ceiling: number): Date {
    return new Date(this.clock.now().getTime() + Math.round(ceiling / 2 + Math.random() * (ceiling / 2)));
  }

  private record(
    message: OutboxMessageEntity,
    kind: 'envelope-out' | 'receipt-in',
    digest: string,
    status: string,
    code: string | null,
  ) {
    return { kind, messageId: message.id, digest, peer: message.toRegion, type: message.type, status, code };
  }
}

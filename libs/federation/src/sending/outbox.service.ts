import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../clock';
import { ExchangeRefusedException } from '../federation.exception';
import { EnvelopeFactory, type OutgoingMessage, type SignedOutgoing } from './envelope-factory';
import { OutboxMessageEntity } from './outbox-message.entity';
import { OutboxRepository, type Delivery } from './outbox.repository';

/** One-way messages stay valid for a week: a partner down for days still gets them. */
export const DEFAULT_EVENT_TTL_SECONDS = 7 * 24 * 3600;

export type OneWayMessage = Omit<OutgoingMessage, 'ttlSeconds'> & { ttlSeconds?: number };

/**
 * Queues signed one-way messages for reliable delivery, in two steps: `prepare` checks and signs
 * (it reads the peer directory, so it runs before the caller opens its transaction), and `enqueue`
 * writes the signed envelope inside the caller's transaction, so it is sent if and only if the
 * business change it belongs to commits.
 */
@Injectable()
export class OutboxService {
  constructor(
    private readonly factory: EnvelopeFactory,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
  ) {}

  prepare(message: OneWayMessage): Promise<SignedOutgoing> {
    return this.factory.build({ ...message, ttlSeconds: message.ttlSeconds ?? DEFAULT_EVENT_TTL_SECONDS });
  }

  /**
   * Writes a prepared envelope with the caller's transaction, counting it against its agreement's
   * quota there; returns its id. Over the quota, it throws and the caller's transaction is undone.
   */
  async enqueue(manager: EntityManager, signed: SignedOutgoing): Promise<string> {
    const counted = signed.charge ? await signed.charge(manager) : { allowed: true as const };
    if (!counted.allowed) throw new ExchangeRefusedException(counted.code, counted.reason);
    const now = this.clock.now();
    await this.outbox.insert(
      manager,
      Object.assign(new OutboxMessageEntity(), {
        id: signed.claims.id,
        toRegion: signed.claims.to,
        type: signed.claims.type,
        digest: signed.digest,
        envelope: signed.envelope,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        leaseUntil: null,
        expiresAt: new Date(signed.claims.exp * 1000),
        lastError: null,
        receipt: null,
        receiptCode: null,
        createdAt: now,
        settledAt: null,
      }),
    );
    return signed.claims.id;
  }

  /** How the messages with these ids, sent from here, fared; ids of messages not sent here are absent. */
  deliveries(ids: readonly string[]): Promise<Map<string, Delivery>> {
    return this.outbox.deliveries(ids);
  }

  /** Prepares and queues one message on its own (for messages no other change goes with). */
  async send(message: OneWayMessage): Promise<string> {
    const signed = await this.prepare(message);
    return this.outbox.transaction((manager) => this.enqueue(manager, signed));
  }
}

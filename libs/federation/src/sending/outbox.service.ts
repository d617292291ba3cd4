import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../clock';
import { EnvelopeFactory, type OutgoingMessage } from './envelope-factory';
import { OutboxMessageEntity } from './outbox-message.entity';
import { OutboxRepository } from './outbox.repository';

/** One-way messages stay valid for a week: a partner down for days still gets them. */
export const DEFAULT_EVENT_TTL_SECONDS = 7 * 24 * 3600;

/** Queues signed one-way messages for reliable delivery. */
@Injectable()
export class OutboxService {
  constructor(
    private readonly factory: EnvelopeFactory,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Signs and queues a message inside the caller's transaction: it is sent if and only if the
   * business change it belongs to commits. Returns the envelope id.
   */
  async enqueue(
    manager: EntityManager,
    message: Omit<OutgoingMessage, 'ttlSeconds'> & { ttlSeconds?: number },
  ): Promise<string> {
    const signed = await this.factory.build({
      ...message,
      ttlSeconds: message.ttlSeconds ?? DEFAULT_EVENT_TTL_SECONDS,
    });
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

  /** Queues one message in a transaction of its own (for messages no other change goes with). */
  send(message: Omit<OutgoingMessage, 'ttlSeconds'> & { ttlSeconds?: number }): Promise<string> {
    return this.outbox.transaction((manager) => this.enqueue(manager, message));
  }
}

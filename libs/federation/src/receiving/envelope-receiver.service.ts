import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { AuditLog, type AuditRecord } from '@regulink/audit';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { NodeIdentityService } from '@regulink/identity';
import { MetricsService } from '@regulink/metrics';
import {
  EnvelopeError,
  EnvelopeErrorCode,
  parseEnvelope,
  sha256Base64Url,
  signEnvelope,
  signReceipt,
  verifyEnvelopeSignature,
  type ParsedEnvelope,
  type ReceiptClaims,
} from '@regulink/protocol';
import { Clock } from '../clock';
import { MessageRegistry } from '../messages/message-registry';
import type { PeerEntity } from '../peers/peer.entity';
import { PeersService } from '../peers/peers.service';
import { DEFAULT_EVENT_TTL_SECONDS } from '../sending/outbox.service';
import type { WireReply } from '../transport/federation-transport';
import { ExchangePolicy } from './exchange-policy';
import { InboxMessageEntity } from './inbox-message.entity';
import { InboxRepository } from './inbox.repository';

/** The longest an envelope may live (exp − iat): what a sender gives the events it queues. */
const MAX_ENVELOPE_LIFETIME_SECONDS = DEFAULT_EVENT_TTL_SECONDS;

/**
 * The receiving end of the federation. Every envelope goes through the checks in a fixed order,
 * each failure a typed code; only an envelope that passes them all is recorded and applied. Every
 * envelope, accepted or not, is answered with a receipt signed by this node and entered in the
 * audit log.
 */
@Injectable()
export class EnvelopeReceiver {
  private readonly logger = new Logger(EnvelopeReceiver.name);

  constructor(
    private readonly identity: NodeIdentityService,
    private readonly peers: PeersService,
    private readonly registry: MessageRegistry,
    private readonly policy: ExchangePolicy,
    private readonly inbox: InboxRepository,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Handles one request from the transport; never throws for anything the sender did wrong. */
  async receive(request: unknown): Promise<WireReply> {
    const receivedAt = this.clock.now();
    const raw = (request as { envelope?: unknown } | null)?.envelope;
    let envelope: ParsedEnvelope | undefined;
    try {
      envelope = parseEnvelope(raw, this.config.federation.maxEnvelopeBytes);
      return await this.accept(envelope, receivedAt);
    } catch (error) {
      if (error instanceof EnvelopeError) return this.reject(raw, envelope, error, receivedAt);
      // A fault on this side (database, shutdown): nothing was applied, the sender should retry.
      this.logger.error(
        { err: error, id: envelope?.claims.id, from: envelope?.claims.from },
        'could not process an envelope',
      );
      return { error: 'RECEIVER_UNAVAILABLE' };
    }
  }

  private async accept(envelope: ParsedEnvelope, receivedAt: Date): Promise<WireReply> {
    const { claims } = envelope;
    const peer = await this.peers.find(claims.from);
    if (!peer) throw new EnvelopeError(EnvelopeErrorCode.UnknownSender, `${claims.from} is not a known peer`);
    const key = await this.peers.pinnedKey(peer, envelope.kid);
    if (!key)
      throw new EnvelopeError(
        EnvelopeErrorCode.UnpinnedKey,
        `key ${envelope.kid} is not pinned for ${claims.from}`,
      );
    await verifyEnvelopeSignature(envelope, key);
    if (!this.peers.signedWhileActive(peer, envelope.kid, new Date(claims.iat * 1000))) {
      throw new EnvelopeError(
        EnvelopeErrorCode.KeyRetired,
        `key ${envelope.kid} was retired by ${claims.from} at ${peer.retiredKeys[envelope.kid]}, before the envelope's date`,
      );
    }
    if (claims.to !== this.identity.region) {
      throw new EnvelopeError(EnvelopeErrorCode.WrongAudience, `the envelope is addressed to ${claims.to}`);
    }
    const now = Math.floor(receivedAt.getTime() / 1000);
    const skew = this.config.federation.clockSkewSeconds;
    if (claims.exp + skew < now)
      throw new EnvelopeError(EnvelopeErrorCode.Expired, 'the envelope has expired');
    if (claims.iat - skew > now)
      throw new EnvelopeError(EnvelopeErrorCode.NotYetValid, 'the envelope is dated in the future');
    // An exchange is judged by the day it was signed: a lifetime longer than any sender gives would
    // let a message dated back ride on an agreement no longer in force.
    if (claims.exp - claims.iat > MAX_ENVELOPE_LIFETIME_SECONDS)
      throw new EnvelopeError(
        EnvelopeErrorCode.Expired,
        `the envelope claims to live ${claims.exp - claims.iat} s, longer than the ${MAX_ENVELOPE_LIFETIME_SECONDS} s any envelope may`,
      );

    // Replay comes next in the order of checks. It is settled by the inbox's primary key when
    // the envelope is recorded, and looked up here only when a later check fails, so that a
    // replayed envelope is always told it is a replay.
    let checked;
    try {
      checked = await this.checkAdmission(envelope, peer);
    } catch (error) {
      const seen = error instanceof EnvelopeError ? await this.inbox.findById(claims.id) : null;
      if (seen) return this.duplicate(envelope, seen, receivedAt);
      throw error;
    }
    const { definition, message, charge } = checked;
    // Answering a query that pulls this node's data writes (a lookup record, a signed batch): a
    // replay is recognized, and the quota counted, before the answer is made, not after. (An
    // event's effect and its quota are one transaction with its record, below.)
    if (definition.kind === 'query' && (charge || definition.flow === 'answer')) {
      const seen = (await this.inbox.has(claims.id)) ? await this.inbox.findById(claims.id) : null;
      if (seen) return this.duplicate(envelope, seen, receivedAt);
      const counted = charge ? await charge() : { allowed: true as const };
      if (!counted.allowed) throw new EnvelopeError(counted.code, counted.reason);
    }
    // A query is acknowledged by its signed response, which names the request's digest (the
    // response is its receipt); an event by a signed receipt.
    const response =
      definition.kind === 'query' ? await this.respond(envelope, await definition.answer(message)) : null;
    const receipt =
      response ?? (await this.sign(envelope.claims.id, envelope.digest, 'accepted', null, receivedAt));
    const record = Object.assign(new InboxMessageEntity(), {
      id: claims.id,
      fromRegion: claims.from,
      type: claims.type,
      digest: envelope.digest,
      envelope: envelope.jws,
      receipt,
      response,
      receivedAt,
    });
    const entry = { messageId: claims.id, peer: claims.from, code: null };
    const entries: AuditRecord[] = [
      { ...entry, kind: 'envelope-in', digest: envelope.digest, type: claims.type, status: 'accepted' },
      response
        ? {
            ...entry,
            kind: 'envelope-out',
            digest: sha256Base64Url(response),
            type: `${claims.type}.result`,
            status: 'sent',
          }
        : {
            ...entry,
            kind: 'receipt-out',
            digest: sha256Base64Url(receipt),
            type: claims.type,
            status: 'accepted',
          },
    ];
    // An event's quota is counted with its record, so a replay or a refusal before this point
    // costs none (a query's was counted above).
    const apply =
      definition.kind === 'event'
        ? async (manager: EntityManager) => {
            const counted = charge ? await charge(manager) : { allowed: true as const };
            if (!counted.allowed) throw new EnvelopeError(counted.code, counted.reason);
            await definition.apply(message, manager);
          }
        : undefined;
    // With nothing to apply, the record and its audit entries go in one statement (one commit):
    // both or neither. Otherwise the record and its effect are one transaction, then the entries.
    const recorded = apply
      ? await this.inbox.recordAndApply(record, apply)
      : await this.inbox.recordWithAudit(record, entries);
    if (!recorded) {
      const stored = await this.inbox.findById(claims.id);
      if (stored) return this.duplicate(envelope, stored, receivedAt);
    }
    if (apply || !recorded) await this.audit.append(entries);
    this.metrics.acceptedEnvelopes.inc({ type: claims.type });
    return response ? { response } : { receipt };
  }

  /** The checks after replay: the peer is allowed, the type is known, an agreement covers it, the body is valid (and, for an event, consistent). */
  private async checkAdmission(envelope: ParsedEnvelope, peer: PeerEntity) {
    const { claims } = envelope;
    const listed = this.policy.listed(peer);
    if (!listed.allowed) throw new EnvelopeError(listed.code, listed.reason);
    // The type comes first among these checks: its scope says which agreement terms apply.
    const definition = this.registry.get(claims.type);
    if (!definition) throw new EnvelopeError(EnvelopeErrorCode.UnknownType, `no message type ${claims.type}`);
    const decision = await this.policy.incoming(claims, definition, peer);
    if (!decision.allowed) throw new EnvelopeError(decision.code, decision.reason);
    const { body, problems } = this.registry.validateBody(definition, claims.body);
    if (problems.length > 0) throw new EnvelopeError(EnvelopeErrorCode.BodyInvalid, problems.join('; '));
    const message = { claims, body, digest: envelope.digest, envelope: envelope.jws };
    if (definition.kind === 'event' && definition.verify) await definition.verify(message);
    return { definition, message, charge: decision.charge };
  }

  /** A redelivery of an envelope already applied: applied again never; the first receipt comes back with it. */
  private async duplicate(
    envelope: ParsedEnvelope,
    stored: InboxMessageEntity,
    receivedAt: Date,
  ): Promise<WireReply> {
    const code = EnvelopeErrorCode.Replayed;
    const receipt = await this.sign(envelope.claims.id, envelope.digest, 'duplicate', code, receivedAt);
    await this.audit.append([
      {
        kind: 'envelope-in',
        messageId: envelope.claims.id,
        digest: envelope.digest,
        peer: envelope.claims.from,
        type: envelope.claims.type,
        status: 'duplicate',
        code,
      },
      {
        kind: 'receipt-out',
        messageId: envelope.claims.id,
        digest: sha256Base64Url(receipt),
        peer: envelope.claims.from,
        type: envelope.claims.type,
        status: 'duplicate',
        code,
      },
    ]);
    this.metrics.refusedEnvelopes.inc({ code });
    this.logger.warn(
      { id: envelope.claims.id, from: envelope.claims.from, code },
      'envelope already received',
    );
    return stored.response ? { receipt, response: stored.response } : { receipt };
  }

  private async reject(
    raw: unknown,
    envelope: ParsedEnvelope | undefined,
    error: EnvelopeError,
    receivedAt: Date,
  ): Promise<WireReply> {
    const digest =
      envelope?.digest ?? sha256Base64Url(typeof raw === 'string' ? raw : JSON.stringify(raw ?? null));
    const id = envelope?.claims.id ?? null;
    const receipt = await this.sign(id, digest, 'rejected', error.code, receivedAt);
    const from = envelope?.claims.from ?? null;
    const type = envelope?.claims.type ?? null;
    await this.audit.append([
      { kind: 'envelope-in', messageId: id, digest, peer: from, type, status: 'rejected', code: error.code },
      {
        kind: 'receipt-out',
        messageId: id,
        digest: sha256Base64Url(receipt),
        peer: from,
        type,
        status: 'rejected',
        code: error.code,
      },
    ]);
    this.metrics.refusedEnvelopes.inc({ code: error.code });
    this.logger.warn({ id, from, type, code: error.code, reason: error.message }, 'refused an envelope');
    return { receipt };
  }

  private sign(
    of: string | null,
    digest: string,
    status: ReceiptClaims['status'],
    code: string | null,
    receivedAt: Date,
  ): Promise<string> {
    return signReceipt(
      { v: 1, of, digest, status, code, by: this.identity.region, receivedAt: receivedAt.toISOString() },
      this.identity.signer(),
    );
  }

  /** The signed answer to a query; it names the request and its digest, which makes it the receipt of the request too. */
  private respond(request: ParsedEnvelope, result: Record<string, unknown>): Promise<string> {
    const now = this.clock.nowSeconds();
    return signEnvelope(
      {
        v: 1,
        id: uuidv7(),
        type: `${request.claims.type}.result`,
        from: this.identity.region,
        to: request.claims.from,
        agreement: request.claims.agreement,
        iat: now,
        exp: Math.max(request.claims.exp, now + 60),
        body: { inReplyTo: request.claims.id, requestDigest: request.digest, result },
      },
      this.identity.signer(),
    );
  }
}

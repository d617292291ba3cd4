import { Injectable } from '@nestjs/common';
import { AuditLog } from '@regulink/audit';
import { FederationErrorCode, FederationException } from '../federation.exception';
import { InboxRepository } from '../receiving/inbox.repository';
import { OutboxRepository } from '../sending/outbox.repository';
import { OutboxService } from '../sending/outbox.service';
import { QueryClient } from '../sending/query.client';
import { DeliveryWorker } from '../sending/delivery.worker';
import type { EchoResponseDto, MessageResponseDto } from './dto/federation-api.dto';

/** What administrators see of the exchanges: any message with its receipt and its audit proofs. */
@Injectable()
export class FederationApiService {
  constructor(
    private readonly outbox: OutboxRepository,
    private readonly inbox: InboxRepository,
    private readonly sender: OutboxService,
    private readonly worker: DeliveryWorker,
    private readonly queries: QueryClient,
    private readonly audit: AuditLog,
  ) {}

  async ping(to: string, note?: string): Promise<{ id: string }> {
    const id = await this.sender.send({
      to,
      type: 'federation.ping',
      body: {
        nonce: Math.random().toString(36).slice(2, 12),
        sentAt: new Date().toISOString(),
        ...(note ? { note } : {}),
      },
    });
    this.worker.nudge();
    return { id };
  }

  async echo(to: string): Promise<EchoResponseDto> {
    const { id, result, response } = await this.queries.query(to, 'federation.echo', {
      nonce: Math.random().toString(36).slice(2, 12),
    });
    return { id, result, response };
  }

  async message(id: string): Promise<MessageResponseDto> {
    const [out, received] = await Promise.all([this.outbox.findById(id), this.inbox.findById(id)]);
    if (!out && !received)
      throw new FederationException(FederationErrorCode.MessageNotFound, `no message ${id}`);
    const entries = await this.audit.entriesForMessage(id);
    let head = await this.audit.latestTreeHead();
    if (entries.length > 0 && (!head || head.size <= entries[entries.length - 1]!.seq))
      head = await this.audit.signTreeHead();
    const audit = await Promise.all(
      entries.map(async (entry) => {
        const proof = await this.audit.inclusionProof(entry.seq, head!.size);
        return {
          index: entry.seq,
          kind: entry.kind,
          data: entry.data,
          treeSize: proof.size,
          proof: proof.proof,
        };
      }),
    );
    const common = { id, treeHead: head?.jws ?? null, audit };
    if (out) {
      return {
        ...common,
        direction: 'out',
        peer: out.toRegion,
        type: out.type,
        digest: out.digest,
        envelope: out.envelope,
        status: out.status,
        receipt: out.receipt,
        receiptCode: out.receiptCode,
        response: null,
      };
    }
    return {
      ...common,
      direction: 'in',
      peer: received!.fromRegion,
      type: received!.type,
      digest: received!.digest,
      envelope: received!.envelope,
      status: 'accepted',
      receipt: received!.receipt,
      receiptCode: null,
      response: received!.response,
    };
  }
}

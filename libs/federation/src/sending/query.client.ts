import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditLog, type AuditRecord } from '@regulink/audit';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { MetricsService } from '@regulink/metrics';
import { sha256Base64Url } from '@regulink/protocol';
import { ExchangeRefusedException, FederationErrorCode, FederationException } from '../federation.exception';
import { MessageRegistry } from '../messages/message-registry';
import { FederationTransport, TransportError } from '../transport/federation-transport';
import { EnvelopeFactory, type SignedOutgoing } from './envelope-factory';
import { ReplyVerifier } from './reply-verifier';

export interface QueryResult {
  readonly id: string;
  /** The agreement the query was sent under (null for federation control); the answer must name the same. */
  readonly agreement: string | null;
  readonly result: Record<string, unknown>;
  /** The signed response, which names the request's digest: the evidence of the answer, and its receipt. */
  readonly response: string;
}

/**
 * Request/response exchanges (queries) with a deadline. A query is not queued: past its deadline
 * an answer is of no use, so it is sent at once and fails with a clear code.
 */
@Injectable()
export class QueryClient {
  private readonly logger = new Logger(QueryClient.name);

  constructor(
    private readonly factory: EnvelopeFactory,
    private readonly transport: FederationTransport,
    private readonly verifier: ReplyVerifier,
    private readonly audit: AuditLog,
    private readonly registry: MessageRegistry,
    private readonly metrics: MetricsService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async query(
    to: string,
    type: string,
    body: Record<string, unknown>,
    deadlineMs = 10_000,
    agreement: string | null = null,
  ): Promise<QueryResult> {
    const signed = await this.factory.build({
      to,
      type,
      body,
      agreement,
      ttlSeconds: Math.max(5, Math.ceil(deadlineMs / 1000)),
    });
    const { claims, peer } = signed;
    if (!this.transport.canReach(peer.federationEndpoint)) {
      throw new FederationException(FederationErrorCode.NoRoute, `no route to ${peer.federationEndpoint}`);
    }
    const counted = signed.charge ? await signed.charge() : { allowed: true as const };
    if (!counted.allowed) throw new ExchangeRefusedException(counted.code, counted.reason);
    // From here on the query is sent: a failure names it, so that its audit entries can be found.
    try {
      return await this.exchange(signed, to, type, deadlineMs);
    } catch (error) {
      if (error instanceof FederationException) error.messageId = claims.id;
      throw error;
    }
  }

  private async exchange(
    { claims, peer, envelope, digest }: SignedOutgoing,
    to: string,
    type: string,
    deadlineMs: number,
  ): Promise<QueryResult> {
    const sent: AuditRecord = {
      kind: 'envelope-out',
      messageId: claims.id,
      digest,
      peer: to,
      type,
      status: 'sent',
      code: null,
    };
    let reply;
    try {
      reply = await this.transport.request(peer.federationEndpoint, { envelope }, deadlineMs);
    } catch (error) {
      await this.audit.append([{ ...sent, status: 'unanswered' }]);
      if (error instanceof TransportError && error.timedOut) {
        throw new FederationException(
          FederationErrorCode.QueryTimeout,
          `${to} did not answer within ${deadlineMs} ms`,
        );
      }
      throw new FederationException(
        FederationErrorCode.PeerUnreachable,
        error instanceof Error ? error.message : String(error),
      );
    }
    // An answered query comes back as a signed response naming the request's digest: that is its
    // receipt. A separate receipt comes only with a refusal, or with a redelivered query.
    const received: AuditRecord[] = [sent];
    if (reply.receipt !== undefined || !reply.response) {
      const receipt = await this.verifier
        .receipt(peer, reply.receipt, { id: claims.id, digest, iat: claims.iat })
        .catch((error: unknown) =>
          this.refuse(error, [...received, { ...sent, kind: 'receipt-in', digest: digestOf(reply.receipt) }]),
        );
      received.push({
        ...sent,
        kind: 'receipt-in',
        digest: sha256Base64Url(receipt.jws),
        status: receipt.status,
        code: receipt.code,
      });
      if (receipt.status === 'rejected' || !reply.response) {
        await this.audit.append(received);
        this.logger.warn({ id: claims.id, to, type, code: receipt.code }, 'a peer refused a query');
        throw new FederationException(
          FederationErrorCode.QueryRefused,
          `${to} refused the query: ${receipt.code ?? 'no answer'}`,
          receipt.code ?? undefined,
        );
      }
    }
    const answer: AuditRecord = {
      ...sent,
      kind: 'envelope-in',
      digest: digestOf(reply.response),
      type: `${type}.result`,
      status: 'accepted',
    };
    let result;
    try {
      result = await this.verifier.response(
        peer,
        reply.response,
        { id: claims.id, digest, iat: claims.iat },
        this.config.federation.maxEnvelopeBytes,
      );
      // Signed by the peer is not the same as well-formed: the answer is checked against its
      // type's result schema before anything here uses it.
      const definition = this.registry.get(type);
      const problems =
        definition?.kind === 'query' ? this.registry.validateResult(definition, result) : ['unknown type'];
      if (problems.length > 0) {
        throw new FederationException(
          FederationErrorCode.BadReply,
          `${to} answered with a result that does not match its schema: ${problems.slice(0, 5).join('; ')}`,
        );
      }
    } catch (error) {
      return this.refuse(error, [...received, answer]);
    }
    received.push(answer);
    await this.audit.append(received);
    return { id: claims.id, agreement: claims.agreement, result, response: reply.response };
  }

  /**
   * A reply that failed this node's checks (its receipt, its response, its result's schema): the
   * query and what came back go to the audit log, the last entry as rejected with the code.
   */
  private async refuse(error: unknown, entries: AuditRecord[]): Promise<never> {
    if (error instanceof FederationException) {
      const refused = { ...entries.at(-1)!, status: 'rejected', code: error.code };
      await this.audit.append([...entries.slice(0, -1), refused]);
      this.metrics.refusedEnvelopes.inc({ code: error.code });
      const { messageId, peer, type } = refused;
      this.logger.warn(
        { id: messageId, to: peer, type, reason: error.message },
        'refused the reply to a query',
      );
    }
    throw error;
  }
}

/** The digest of what came back, logged even when it is not a string. */
function digestOf(reply: unknown): string {
  return sha256Base64Url(typeof reply === 'string' ? reply : JSON.stringify(reply ?? null));
}

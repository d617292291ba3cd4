import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  applyFieldPolicy,
  chinaCalendarDate,
  findFieldPolicyViolations,
  type FieldPolicy,
} from '@regulink/domain';
import {
  Clock,
  ExchangePolicy,
  type ExchangeGate,
  type MessageDefinition,
  type OutgoingDecision,
  type PeerEntity,
  type PolicyDecision,
} from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { EnvelopeErrorCode, keyedHash, type EnvelopeClaims } from '@regulink/protocol';
import { dailyQuota, judgeExchange } from './agreement-rules';
import type { AgreementEntity } from './agreement.entity';
import { AgreementRepository } from './agreement.repository';

/**
 * The agreements' side of every exchange of business data. The sender picks the agreement that
 * covers the message, masks personal fields per its field policy before signing and counts the
 * quota; the outbox asks again before each delivery; the receiver checks it all once more,
 * whatever the sender claims.
 */
@Injectable()
export class AgreementGate implements ExchangeGate, OnModuleInit {
  private readonly logger = new Logger(AgreementGate.name);

  constructor(
    private readonly agreements: AgreementRepository,
    private readonly policy: ExchangePolicy,
    private readonly identity: NodeIdentityService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.policy.useGate(this);
  }

  today(): string {
    return chinaCalendarDate(this.clock.now())!;
  }

  async outgoing(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<OutgoingDecision> {
    const exchange = { scope: definition.scope!, from: this.identity.region, to: peer.region };
    const today = this.today();
    let candidates = await this.agreements.between(exchange.from, exchange.to);
    if (claims.agreement) candidates = candidates.filter((a) => a.id === claims.agreement);
    candidates = candidates.filter((a) => a.document !== null && a.state !== 'draft');
    if (candidates.length === 0) {
      return this.refused(
        EnvelopeErrorCode.NoAgreement,
        `no agreement with ${peer.region} covers ${definition.type}`,
      );
    }
    // The newest agreement that allows it; otherwise the newest one's reason.
    const verdicts = candidates.map((agreement) => ({
      agreement,
      verdict: judgeExchange(agreement, exchange, today),
    }));
    const chosen = verdicts.find((v) => v.verdict.allowed);
    if (!chosen) {
      const { verdict } = verdicts[0]!;
      return verdict.allowed ? this.refused(EnvelopeErrorCode.NoAgreement, 'unreachable') : verdict;
    }
    const { terms } = chosen.agreement;
    const body = applyFieldPolicy(
      claims.body,
      definition.personalFields ?? {},
      terms.fieldPolicy as FieldPolicy,
      (_field, value) => keyedHash(terms.matchingKey, value),
    ) as Record<string, unknown>;
    const quota = await this.count(chosen.agreement, exchange, today);
    if (!quota.allowed) return quota;
    return { allowed: true, agreement: chosen.agreement.id, body };
  }

  async incoming(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<PolicyDecision> {
    const exchange = { scope: definition.scope!, from: peer.region, to: this.identity.region };
    const agreement = claims.agreement ? await this.agreements.find(claims.agreement) : null;
    if (!agreement || agreement.document === null) {
      return this.refused(
        EnvelopeErrorCode.NoAgreement,
        claims.agreement
          ? `no agreement ${claims.agreement} here`
          : `${definition.type} must name its agreement`,
      );
    }
    const today = this.today();
    const verdict = judgeExchange(agreement, exchange, today);
    if (!verdict.allowed) return verdict;
    const violations = findFieldPolicyViolations(
      claims.body,
      definition.personalFields ?? {},
      agreement.terms.fieldPolicy as FieldPolicy,
    );
    if (violations.length > 0) {
      return this.refused(
        EnvelopeErrorCode.FieldNotAllowed,
        violations.map((v) => `${v.path}: ${v.problem}`).join('; '),
      );
    }
    return this.count(agreement, exchange, today);
  }

  async deliverable(claims: EnvelopeClaims, definition: MessageDefinition): Promise<PolicyDecision> {
    const agreement = claims.agreement ? await this.agreements.find(claims.agreement) : null;
    if (!agreement)
      return this.refused(EnvelopeErrorCode.NoAgreement, `no agreement ${claims.agreement} here`);
    return judgeExchange(
      agreement,
      { scope: definition.scope!, from: claims.from, to: claims.to },
      this.today(),
    );
  }

  private async count(
    agreement: AgreementEntity,
    exchange: { scope: string; from: string; to: string },
    day: string,
  ): Promise<PolicyDecision> {
    const limit = dailyQuota(agreement.terms, exchange.scope, exchange.from, exchange.to);
    if (limit === null) return { allowed: true };
    const counted = await this.agreements.countUsage({ agreementId: agreement.id, ...exchange, day }, limit);
    return counted
      ? { allowed: true }
      : this.refused(
          EnvelopeErrorCode.QuotaExceeded,
          `the daily quota of ${limit} ${exchange.scope} messages ${exchange.from} -> ${exchange.to} is used up for ${day}`,
        );
  }

  private refused(
    code: EnvelopeErrorCode,
    reason: string,
  ): { allowed: false; code: EnvelopeErrorCode; reason: string } {
    this.logger.warn({ code, reason }, 'exchange refused by agreement');
    return { allowed: false, code, reason };
  }
}

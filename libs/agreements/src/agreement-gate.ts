import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  applyFieldPolicy,
  chinaCalendarDate,
  findFieldPolicyViolations,
  type FieldPolicy,
  type PersonalFieldMap,
} from '@regulink/domain';
import {
  Clock,
  ExchangePolicy,
  type ExchangeGate,
  type MessageDefinition,
  type OutgoingDecision,
  type PeerEntity,
  type PolicyDecision,
  type QuotaCharge,
  type Refusal,
} from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { EnvelopeErrorCode, keyedHash, type EnvelopeClaims } from '@regulink/protocol';
import { dailyQuota, judgeExchange } from './agreement-rules';
import type { AgreementEntity, AgreementState } from './agreement.entity';
import { AgreementDirectory } from './agreement-directory';
import { AgreementRepository } from './agreement.repository';

/** States of an agreement that has been in force, whatever it is now. */
const ONCE_IN_FORCE: ReadonlySet<AgreementState> = new Set([
  'active',
  'suspended',
  'revoked',
  'expired',
  'superseded',
]);

/**
 * The agreements' side of every exchange of business data. The sender picks the agreement that
 * covers the message and masks personal fields per its field policy before signing; the outbox
 * asks again before each delivery; the receiver checks it all once more, whatever the sender
 * claims. Each side counts the quota where it records the message (see {@link QuotaCharge}), and
 * refuses at once what is already over it.
 */
@Injectable()
export class AgreementGate implements ExchangeGate, OnModuleInit {
  private readonly logger = new Logger(AgreementGate.name);

  constructor(
    private readonly agreements: AgreementRepository,
    private readonly directory: AgreementDirectory,
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

  /**
   * The day an exchange is judged by, at both ends and at every delivery attempt: the China day
   * the message was signed on (`iat`), not the day it arrives. A message signed in force on an
   * agreement's last day stays lawful after midnight, or after an outage that held it back (its
   * lifetime is bounded), and each end counts it in the same day's quota.
   */
  private signedDay(claims: EnvelopeClaims): string {
    return chinaCalendarDate(new Date(claims.iat * 1000))!;
  }

  async outgoing(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<OutgoingDecision> {
    const exchange = this.direction(definition, this.identity.region, peer.region);
    const today = this.signedDay(claims);
    const chosen = await this.covering(exchange, today, claims.agreement, definition.type);
    if ('allowed' in chosen) return this.logged(chosen);
    const { terms } = chosen.agreement;
    const body = applyFieldPolicy(
      claims.body,
      definition.personalFields ?? {},
      terms.fieldPolicy as FieldPolicy,
      (_field, value) => keyedHash(terms.matchingKey, value),
    ) as Record<string, unknown>;
    const quota = await this.quota(chosen.agreement, exchange, today);
    if (!quota.allowed) return quota;
    return { allowed: true, agreement: chosen.agreement.id, body, charge: quota.charge };
  }

  /**
   * The agreement this node would send under, to `to`, in `scope`, today: the newest one that
   * allows it, or the refusal of the newest one (NO_AGREEMENT when there is none). A question,
   * not an exchange: nothing is logged.
   */
  async senderAgreement(scope: string, to: string): Promise<{ agreement: AgreementEntity } | Refusal> {
    return this.covering({ scope, from: this.identity.region, to }, this.today(), null, scope);
  }

  /**
   * The regions this node may exchange `scope` with today, in the given direction: those it may
   * send to (`to`), or those that may send to it (`from`).
   */
  async partners(scope: string, direction: 'to' | 'from'): Promise<string[]> {
    const own = this.identity.region;
    const today = this.today();
    const regions = new Set<string>();
    for (const agreement of await this.directory.all()) {
      if (agreement.document === null) continue;
      for (const party of agreement.terms.parties) {
        if (party === own || regions.has(party)) continue;
        const exchange =
          direction === 'to' ? { scope, from: own, to: party } : { scope, from: party, to: own };
        if (judgeExchange(agreement, exchange, today).allowed) regions.add(party);
      }
    }
    return [...regions].sort();
  }

  /** Whether agreement `agreementId` lets `scope` data go from `from` to `to` today (the caller counts nothing). */
  async permits(
    agreementId: string,
    exchange: { scope: string; from: string; to: string },
  ): Promise<PolicyDecision> {
    const agreement = await this.directory.find(agreementId);
    if (!agreement || agreement.document === null)
      return {
        allowed: false,
        code: EnvelopeErrorCode.NoAgreement,
        reason: `no agreement ${agreementId} here`,
      };
    return judgeExchange(agreement, exchange, this.today());
  }

  /**
   * Whether agreement `agreementId` pins key `kid` for `region`: what signs records under it must
   * be, or the evidence of those records could not be verified from the agreement later.
   */
  async pinsKey(agreementId: string, region: string, kid: string): Promise<boolean> {
    const agreement = await this.directory.find(agreementId);
    return agreement?.terms.keys[region]?.includes(kid) ?? false;
  }

  /** How the grant of `scope` from `from` to `to` in an agreement discloses records: at once, or in two steps. */
  async disclosure(
    agreementId: string,
    exchange: { scope: string; from: string; to: string },
  ): Promise<'direct' | 'two-step'> {
    const agreement = await this.directory.find(agreementId);
    const grant = agreement?.terms.scopes.find(
      (g) => g.scope === exchange.scope && g.from === exchange.from && g.to === exchange.to,
    );
    return grant?.disclosure ?? 'direct';
  }

  /**
   * The field policy of an agreement for records of a kind whose personal data sits at `fields`,
   * exchanged `scope` from one region to another, as two functions: `treat`, which the sending
   * side applies before it signs a record, and `violations`, which the receiving side runs on what
   * it received. `floor` makes some fields at least that strict whatever the agreement says (a
   * bulk exchange may cap resident IDs at a keyed hash). Undefined unless the agreement allows
   * that exchange today.
   */
  async fieldPolicy(
    agreementId: string,
    fields: PersonalFieldMap,
    exchange: { scope: string; from: string; to: string },
    floor: FieldPolicy = {},
  ): Promise<
    | {
        treat: (record: Record<string, unknown>) => Record<string, unknown>;
        violations: (record: unknown) => string[];
      }
    | undefined
  > {
    const agreement = await this.directory.find(agreementId);
    if (!agreement || agreement.document === null) return undefined;
    if (!judgeExchange(agreement, exchange, this.today()).allowed) return undefined;
    const { terms } = agreement;
    const policy = strictest(terms.fieldPolicy as FieldPolicy, floor);
    return {
      treat: (record) =>
        applyFieldPolicy(record, fields, policy, (_field, value) =>
          keyedHash(terms.matchingKey, value),
        ) as Record<string, unknown>,
      violations: (record) =>
        findFieldPolicyViolations(record, fields, policy).map((v) => `${v.path}: ${v.problem}`),
    };
  }

  private async covering(
    exchange: { scope: string; from: string; to: string },
    today: string,
    named: string | null,
    what: string,
  ): Promise<{ agreement: AgreementEntity } | Refusal> {
    let candidates = await this.directory.between(exchange.from, exchange.to);
    if (named) candidates = candidates.filter((a) => a.id === named);
    candidates = candidates.filter((a) => a.document !== null && a.state !== 'draft');
    if (candidates.length === 0) {
      return {
        allowed: false,
        code: EnvelopeErrorCode.NoAgreement,
        reason: `no agreement with ${exchange.to} covers ${what}`,
      };
    }
    // The newest agreement that allows it. Otherwise the reason that tells the most: of the
    // newest one granting this exchange that has been in force (suspended, revoked, expired:
    // not that a newer proposal awaits signatures), else of the newest granting it (not yet in
    // force), else of the newest one.
    const verdicts = candidates.map((agreement) => ({
      agreement,
      verdict: judgeExchange(agreement, exchange, today),
    }));
    const chosen = verdicts.find((v) => v.verdict.allowed);
    if (chosen) return { agreement: chosen.agreement };
    const granting = verdicts.filter(({ agreement }) =>
      agreement.terms.scopes.some(
        (g) => g.scope === exchange.scope && g.from === exchange.from && g.to === exchange.to,
      ),
    );
    const { verdict } =
      granting.find((v) => ONCE_IN_FORCE.has(v.agreement.state)) ?? granting[0] ?? verdicts[0]!;
    return verdict.allowed
      ? { allowed: false, code: EnvelopeErrorCode.NoAgreement, reason: 'unreachable' }
      : verdict;
  }

  async incoming(
    claims: EnvelopeClaims,
    definition: MessageDefinition,
    peer: PeerEntity,
  ): Promise<PolicyDecision> {
    const exchange = this.direction(definition, peer.region, this.identity.region);
    const agreement = claims.agreement ? await this.directory.find(claims.agreement) : null;
    if (!agreement || agreement.document === null) {
      return this.refused(
        EnvelopeErrorCode.NoAgreement,
        claims.agreement
          ? `no agreement ${claims.agreement} here`
          : `${definition.type} must name its agreement`,
      );
    }
    const today = this.signedDay(claims);
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
    return this.quota(agreement, exchange, today);
  }

  async deliverable(claims: EnvelopeClaims, definition: MessageDefinition): Promise<PolicyDecision> {
    const agreement = claims.agreement ? await this.directory.find(claims.agreement) : null;
    if (!agreement)
      return this.refused(EnvelopeErrorCode.NoAgreement, `no agreement ${claims.agreement} here`);
    return judgeExchange(
      agreement,
      this.direction(definition, claims.from, claims.to),
      this.signedDay(claims),
    );
  }

  /**
   * Refuses at once when the day's quota is already used up; otherwise allows, with the charge
   * that counts the message (and refuses it if others used the last of the quota meanwhile).
   */
  private async quota(
    agreement: AgreementEntity,
    exchange: { scope: string; from: string; to: string },
    day: string,
  ): Promise<PolicyDecision> {
    const limit = dailyQuota(agreement.terms, exchange.scope, exchange.from, exchange.to);
    if (limit === null) return { allowed: true };
    const key = { agreementId: agreement.id, ...exchange, day };
    const usedUp = () =>
      this.refused(
        EnvelopeErrorCode.QuotaExceeded,
        `the daily quota of ${limit} ${exchange.scope} messages ${exchange.from} -> ${exchange.to} is used up for ${day}`,
      );
    if ((await this.agreements.usage(key)) >= limit) return usedUp();
    const charge: QuotaCharge = async (manager?: EntityManager) =>
      (await this.agreements.countUsage(key, limit, manager)) ? { allowed: true } : usedUp();
    return { allowed: true, charge };
  }

  /** Which way the data of a message from `sender` to `receiver` goes (see `flow`). */
  private direction(
    definition: MessageDefinition,
    sender: string,
    receiver: string,
  ): { scope: string; from: string; to: string } {
    return definition.flow === 'answer'
      ? { scope: definition.scope!, from: receiver, to: sender }
      : { scope: definition.scope!, from: sender, to: receiver };
  }

  private refused(code: EnvelopeErrorCode, reason: string): Refusal {
    return this.logged({ allowed: false, code, reason });
  }

  private logged(refusal: Refusal): Refusal {
    this.logger.warn({ code: refusal.code, reason: refusal.reason }, 'exchange refused by agreement');
    return refusal;
  }
}

/** How much of a value each rule lets through, most first; a field a policy does not name is omitted. */
const OPENNESS: Record<string, number> = { clear: 3, mask: 2, hash: 1, omit: 0 };

/** The policy with each field of `floor` made at least as strict as the floor says. */
function strictest(policy: FieldPolicy, floor: FieldPolicy): FieldPolicy {
  const result: FieldPolicy = { ...policy };
  for (const [field, rule] of Object.entries(floor) as [
    keyof FieldPolicy,
    NonNullable<FieldPolicy[keyof FieldPolicy]>,
  ][]) {
    const current = result[field] ?? 'omit';
    if (OPENNESS[current]! > OPENNESS[rule]!) result[field] = rule;
  }
  return result;
}

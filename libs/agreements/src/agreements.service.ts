import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import { Clock, OutboxService, PeersService, type ReceivedMessage } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  AgreementDocumentError,
  EnvelopeError,
  EnvelopeErrorCode,
  agreementTermsProblems,
  countersignAgreement,
  importPublicKey,
  newMatchingKey,
  proposeAgreement,
  verifyAgreementDocument,
  type AgreementDocument,
  type AgreementScopeGrant,
  type AgreementTerms,
} from '@regulink/protocol';
import { AgreementGate } from './agreement-gate';
import { AgreementErrorCode, AgreementException } from './agreement.exception';
import { AgreementEntity, type AgreementState } from './agreement.entity';
import { AgreementRepository } from './agreement.repository';
import type { AgreementDocumentBody, AgreementStepBody } from './agreement.messages';

/** What an administrator writes in a draft; the node adds the keys, the matching key and the dates of signing. */
export interface AgreementDraft {
  readonly title: string;
  readonly partners: readonly string[];
  readonly scopes: readonly AgreementScopeGrant[];
  readonly fieldPolicy: Readonly<Record<string, string>>;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly deadlines: { readonly clueWorkingDays: number; readonly assistWorkingDays: number };
}

export type AgreementStep = 'suspend' | 'resume' | 'revoke' | 'decline';

const EXPIRY_SWEEP_MS = 60_000;
const SIGNED_STATES: readonly AgreementState[] = ['active', 'suspended', 'expired'];

/** States of a renewal not yet signed by every party nor ended. */
const UNSIGNED_RENEWAL_STATES: readonly AgreementState[] = ['draft', 'proposed', 'pending'];
/** States of a version that has been in force (countersigned by all, and reached its first day or not). */
const WAS_IN_FORCE_STATES: readonly AgreementState[] = ['active', 'suspended', 'expired', 'superseded'];

/** States in which a renewal no longer competes with another one. */
const ENDED_RENEWAL_STATES: readonly AgreementState[] = ['declined', 'revoked', 'expired', 'superseded'];

/**
 * The life of a cooperation agreement on this node: drafted and proposed here or received from a
 * partner, countersigned by every party, then suspended, resumed, revoked, expired or superseded.
 * Every step taken here is recorded in the agreement's trail and sent to the other parties as a
 * signed envelope through the outbox, in the same transaction as the change of state.
 */
@Injectable()
export class AgreementsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgreementsService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly agreements: AgreementRepository,
    private readonly outbox: OutboxService,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
    private readonly gate: AgreementGate,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const sweep = () =>
      void this.expireDue().catch((error: unknown) =>
        this.logger.error({ err: error }, 'expiry sweep failed'),
      );
    sweep();
    this.timer = setInterval(sweep, EXPIRY_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private get region(): string {
    return this.identity.region;
  }

  // ---------------------------------------------------------------------------------------------
  // Steps taken on this node
  // ---------------------------------------------------------------------------------------------

  async draft(
    input: AgreementDraft,
    actor: string,
    supersedes: string | null = null,
  ): Promise<AgreementEntity> {
    const partners = [...new Set(input.partners)].filter((p) => p !== this.region);
    for (const partner of partners) await this.peers.require(partner);
    const terms = await this.termsFor({
      v: 1,
      id: uuidv7(),
      title: input.title,
      parties: [this.region, ...partners].sort(),
      keys: {},
      scopes: input.scopes.map((g) => ({
        scope: g.scope,
        from: g.from,
        to: g.to,
        dailyQuota: g.dailyQuota ?? null,
        ...(g.disclosure ? { disclosure: g.disclosure } : {}),
      })),
      fieldPolicy: { ...input.fieldPolicy },
      matchingKey: newMatchingKey(),
      validFrom: input.validFrom,
      validUntil: input.validUntil,
      deadlines: { ...input.deadlines },
      supersedes,
      proposedBy: this.region,
      proposedAt: this.clock.now().toISOString(),
    });
    const now = this.clock.now();
    const agreement = Object.assign(new AgreementEntity(), {
      id: terms.id,
      state: 'draft' as const,
      parties: [...terms.parties],
      terms,
      document: null,
      suspendedBy: [],
      createdAt: now,
      updatedAt: now,
    });
    await this.agreements.transaction(async (manager) => {
      if (supersedes) await this.requireNoOpenRenewal(supersedes, manager);
      await this.agreements.save(agreement, manager);
      await this.event(manager, agreement.id, supersedes ? 'renewed' : 'drafted', actor, null, null);
    });
    return agreement;
  }

  /**
   * A renewal is countersigned only while no other renewal of the same version is under way here:
   * two renewals drafted at two nodes before either proposal arrived would otherwise both come
   * into force. The parties decline one of them first.
   */
  private async requireSoleRenewal(renewal: AgreementEntity): Promise<void> {
    const others = await this.agreements.renewalsOf(renewal.terms.supersedes!);
    const other = others.find((a) => a.id !== renewal.id && !ENDED_RENEWAL_STATES.includes(a.state));
    if (other) {
      throw new AgreementException(
        AgreementErrorCode.WrongState,
        `agreement ${renewal.terms.supersedes} has another renewal under way here: ${other.id} ` +
          `(${other.state}); decline or revoke one of them first`,
      );
    }
  }

  /**
   * One renewal of an agreement at a time (a second one, by a double click or by the partner,
   * would compete with it to supersede the same version): the old version is locked while this
   * is checked, so that two renewals at once cannot both pass.
   */
  private async requireNoOpenRenewal(id: string, manager: EntityManager): Promise<void> {
    await this.agreements.findForUpdate(id, manager);
    const open = (await this.agreements.renewalsOf(id, manager)).find((a) =>
      UNSIGNED_RENEWAL_STATES.includes(a.state),
    );
    if (open) {
      throw new AgreementException(
        AgreementErrorCode.WrongState,
        `agreement ${id} already has a renewal under way: ${open.id} (${open.state}); ` +
          'sign, decline or revoke that one first',
      );
    }
  }

  /** A new version of an agreement, as a draft; it supersedes the old one once every party signs it. */
  async renew(id: string, changes: Partial<AgreementDraft>, actor: string): Promise<AgreementEntity> {
    const old = await this.require(id);
    this.expectState(old, ['active', 'suspended', 'expired']);
    const { terms } = old;
    return this.draft(
      {
        title: changes.title ?? terms.title,
        partners: terms.parties.filter((p) => p !== this.region),
        scopes: changes.scopes ?? terms.scopes,
        fieldPolicy: changes.fieldPolicy ?? terms.fieldPolicy,
        validFrom: changes.validFrom ?? this.gate.today(),
        validUntil: changes.validUntil ?? terms.validUntil,
        deadlines: changes.deadlines ?? terms.deadlines,
      },
      actor,
      old.id,
    );
  }

  async propose(id: string, actor: string): Promise<AgreementEntity> {
    const draft = await this.require(id);
    this.expectState(draft, ['draft']);
    // Signed with the keys pinned now, and dated now.
    const terms = await this.termsFor({ ...draft.terms, proposedAt: this.clock.now().toISOString() });
    const document = await proposeAgreement(terms, this.identity.signer());
    return this.step(draft, actor, null, 'proposed', 'agreement.propose', { document }, (a) => {
      a.state = 'proposed';
      a.terms = terms;
      a.document = document;
    });
  }

  async countersign(id: string, actor: string): Promise<AgreementEntity> {
    const agreement = await this.require(id);
    this.expectState(agreement, ['pending']);
    if (agreement.terms.supersedes) await this.requireSoleRenewal(agreement);
    const held = await this.verifyHeld(agreement.document);
    await this.requireKeysInUse(agreement);
    const document = await countersignAgreement(
      agreement.document!,
      this.region,
      this.identity.signer(),
    ).catch((error: unknown) => {
      if (error instanceof AgreementDocumentError)
        throw new AgreementException(AgreementErrorCode.DocumentInvalid, `${error.code}: ${error.message}`);
      throw error;
    });
    const own = document.signatures.at(-1)!;
    let complete = held.signers.length + 1 === agreement.terms.parties.length;
    return this.step(
      agreement,
      actor,
      null,
      'countersigned',
      'agreement.countersign',
      { document },
      async (a) => {
        // Added to the document as it is now: a party's countersignature received since it was
        // read above is kept, and may be the one that completes it.
        const current = a.document!;
        a.document = { payload: current.payload, signatures: [...current.signatures, own] };
        complete = (await this.verifyHeld(a.document)).complete;
        a.state = complete ? 'active' : 'proposed';
      },
      async (manager, a) => {
        if (complete) await this.activatedIn(manager, a, actor);
      },
    );
  }

  async act(id: string, step: AgreementStep, reason: string | null, actor: string): Promise<AgreementEntity> {
    const agreement = await this.require(id);
    switch (step) {
      case 'suspend':
        // Also while another party holds it suspended: then it stays suspended until both resume.
        this.expectState(agreement, ['active', 'suspended']);
        if (agreement.suspendedBy.includes(this.region)) {
          throw new AgreementException(
            AgreementErrorCode.WrongState,
            `agreement ${id} is already suspended by ${this.region}`,
          );
        }
        return this.step(
          agreement,
          actor,
          reason,
          'suspended',
          'agreement.suspend',
          this.stepBody(id, reason),
          (a) => {
            a.state = 'suspended';
            a.suspendedBy = [...a.suspendedBy, this.region];
          },
          undefined,
          // A partner's suspension that landed meanwhile is joined, not a conflict.
          (a) => (a.state === 'active' || a.state === 'suspended') && !a.suspendedBy.includes(this.region),
        );
      case 'resume':
        this.expectState(agreement, ['suspended']);
        if (!agreement.suspendedBy.includes(this.region)) {
          throw new AgreementException(
            AgreementErrorCode.WrongState,
            `agreement ${id} is suspended by ${agreement.suspendedBy.join(', ')}; only they resume it`,
          );
        }
        return this.step(
          agreement,
          actor,
          reason,
          'resumed',
          'agreement.resume',
          this.stepBody(id, reason),
          (a) => {
            a.suspendedBy = a.suspendedBy.filter((party) => party !== this.region);
            a.state = a.suspendedBy.length === 0 ? 'active' : 'suspended';
          },
        );
      case 'revoke': {
        const revocable: AgreementState[] = ['proposed', 'pending', 'active', 'suspended'];
        this.expectState(agreement, revocable);
        return this.step(
          agreement,
          actor,
          reason,
          'revoked',
          'agreement.revoke',
          this.stepBody(id, reason),
          (a) => {
            a.state = 'revoked';
          },
          undefined,
          // Whatever landed meanwhile (a countersignature, a partner's suspension), revocation stands.
          (a) => revocable.includes(a.state),
        );
      }
      case 'decline':
        this.expectState(agreement, ['pending']);
        return this.step(
          agreement,
          actor,
          reason,
          'declined',
          'agreement.decline',
          this.stepBody(id, reason),
          (a) => {
            a.state = 'declined';
          },
        );
    }
  }

  list(): Promise<AgreementEntity[]> {
    return this.agreements.list();
  }

  /**
   * The version that carries the exchanges of agreement `id` now: `id` itself, or, once it is
   * superseded, the renewal that took over from it (the one countersigned), and so on. Exchanges
   * begun under a version (a case) go on under the versions that renew it.
   */
  async currentVersion(id: string): Promise<string> {
    let agreement = await this.require(id);
    const seen = new Set([agreement.id]);
    while (agreement.state === 'superseded') {
      // The renewal that took over: one that has been in force (not one declined or withdrawn).
      const next = (await this.agreements.renewalsOf(agreement.id)).find((r) =>
        WAS_IN_FORCE_STATES.includes(r.state),
      );
      if (!next || seen.has(next.id)) break;
      seen.add(next.id);
      agreement = next;
    }
    return agreement.id;
  }

  async require(id: string): Promise<AgreementEntity> {
    const agreement = await this.agreements.find(id);
    if (!agreement) throw new AgreementException(AgreementErrorCode.NotFound, `no agreement ${id}`);
    return agreement;
  }

  history(id: string) {
    return this.agreements.events(id);
  }

  /** Who has signed the document held here (each signature verified against the pinned keys). */
  async signers(agreement: AgreementEntity): Promise<{ region: string; kid: string }[]> {
    if (!agreement.document) return [];
    return (await this.verify(agreement.document, () => undefined))?.signers ?? [];
  }

  // ---------------------------------------------------------------------------------------------
  // Steps taken by another party (lifecycle messages received)
  // ---------------------------------------------------------------------------------------------

  /** Before a proposal is recorded: its document verifies, and the sender is the proposing party. */
  async checkProposal({ claims, body }: ReceivedMessage<AgreementDocumentBody>): Promise<void> {
    const held = await this.verifyReceived(body.document);
    const { terms } = held;
    if (terms.proposedBy !== claims.from || !held.signers.some((s) => s.region === claims.from)) {
      throw new EnvelopeError(
        EnvelopeErrorCode.AgreementInvalid,
        `the proposal is not signed by its proposer ${claims.from}`,
      );
    }
    if (!terms.parties.includes(this.region)) {
      throw new EnvelopeError(
        EnvelopeErrorCode.AgreementInvalid,
        `${this.region} is not a party to agreement ${terms.id}`,
      );
    }
    const existing = await this.agreements.find(terms.id);
    if (existing && existing.document?.payload !== body.document.payload) {
      throw new EnvelopeError(
        EnvelopeErrorCode.AgreementInvalid,
        `a different agreement ${terms.id} is already held here`,
      );
    }
  }

  async applyProposal(
    { claims, body }: ReceivedMessage<AgreementDocumentBody>,
    manager: EntityManager,
  ): Promise<void> {
    const held = await this.verifyReceived(body.document);
    if (await this.agreements.find(held.terms.id, manager)) return;
    const now = this.clock.now();
    await this.agreements.save(
      Object.assign(new AgreementEntity(), {
        id: held.terms.id,
        state: 'pending' as const,
        parties: [...held.terms.parties],
        terms: held.terms,
        document: body.document,
        suspendedBy: [],
        createdAt: now,
        updatedAt: now,
      }),
      manager,
    );
    await this.event(manager, held.terms.id, 'received', `node ${claims.from}`, null, claims.id, claims.from);
  }

  /** Before a countersignature is recorded: the document verifies, is the one held here, and the sender signed it. */
  async checkCountersign({ claims, body }: ReceivedMessage<AgreementDocumentBody>): Promise<void> {
    const held = await this.verifyReceived(body.document);
    if (!held.signers.some((s) => s.region === claims.from)) {
      throw new EnvelopeError(
        EnvelopeErrorCode.AgreementInvalid,
        `the document is not signed by ${claims.from}`,
      );
    }
    const local = await this.agreements.find(held.terms.id);
    if (!local?.document)
      throw new EnvelopeError(EnvelopeErrorCode.NoAgreement, `no agreement ${held.terms.id} here`);
    if (local.document.payload !== body.document.payload) {
      throw new EnvelopeError(
        EnvelopeErrorCode.AgreementInvalid,
        `the countersigned terms differ from those held here`,
      );
    }
  }

  async applyCountersign(
    { claims, body }: ReceivedMessage<AgreementDocumentBody>,
    manager: EntityManager,
  ): Promise<void> {
    const incoming = await this.verifyReceived(body.document);
    const local = await this.agreements.findForUpdate(incoming.terms.id, manager);
    if (!local?.document) return;
    if (local.state !== 'proposed' && local.state !== 'pending') {
      // Crossed with a decline or a revocation: recorded, but the signature is not added to a
      // document that will never be in force.
      await this.event(
        manager,
        local.id,
        'countersigned',
        `node ${claims.from}`,
        null,
        claims.id,
        claims.from,
        {
          noEffect: `was ${local.state}`,
        },
      );
      return;
    }
    const mine = await this.verifyReceived(local.document);
    const have = new Set(mine.signers.map((s) => s.region));
    const added = body.document.signatures.filter((_, i) => !have.has(incoming.signers[i]!.region));
    if (added.length === 0) return;
    const merged: AgreementDocument = {
      payload: local.document.payload,
      signatures: [...local.document.signatures, ...added],
    };
    const verified = await this.verifyReceived(merged);
    local.document = merged;
    const becomesActive = verified.complete && (local.state === 'proposed' || local.state === 'pending');
    if (becomesActive) local.state = 'active';
    local.updatedAt = this.clock.now();
    await this.agreements.save(local, manager);
    await this.event(manager, local.id, 'countersigned', `node ${claims.from}`, null, claims.id, claims.from);
    if (becomesActive) await this.activatedIn(manager, local, `node ${claims.from}`);
  }

  /** Before a suspension, resumption, revocation or refusal is recorded: the agreement is held here and the sender is a party. */
  async checkStep({ claims, body }: ReceivedMessage<AgreementStepBody>): Promise<void> {
    const agreement = await this.agreements.find(body.agreementId);
    if (!agreement)
      throw new EnvelopeError(EnvelopeErrorCode.NoAgreement, `no agreement ${body.agreementId} here`);
    if (!agreement.terms.parties.includes(claims.from)) {
      throw new EnvelopeError(
        EnvelopeErrorCode.NotAllowed,
        `${claims.from} is not a party to agreement ${agreement.id}`,
      );
    }
  }

  /** Applies another party's step; a step that no longer fits the state (a race) is recorded and changes nothing. */
  async applyStep(
    step: AgreementStep,
    { claims, body }: ReceivedMessage<AgreementStepBody>,
    manager: EntityManager,
  ): Promise<void> {
    const agreement = await this.agreements.findForUpdate(body.agreementId, manager);
    if (!agreement) return;
    const before = agreement.state;
    const holders = agreement.suspendedBy;
    if (
      step === 'suspend' &&
      (before === 'active' || before === 'suspended') &&
      !holders.includes(claims.from)
    ) {
      // A suspension that crossed this node's own is kept: each party resumes only its own.
      agreement.state = 'suspended';
      agreement.suspendedBy = [...holders, claims.from];
    } else if (step === 'resume' && before === 'suspended' && holders.includes(claims.from)) {
      agreement.suspendedBy = holders.filter((party) => party !== claims.from);
      agreement.state = agreement.suspendedBy.length === 0 ? 'active' : 'suspended';
    } else if (step === 'revoke' && before !== 'revoked' && before !== 'superseded') {
      agreement.state = 'revoked';
    } else if (step === 'decline' && (before === 'proposed' || before === 'pending')) {
      agreement.state = 'declined';
    }
    const action = { suspend: 'suspended', resume: 'resumed', revoke: 'revoked', decline: 'declined' }[step];
    const changed = agreement.state !== before || agreement.suspendedBy !== holders;
    if (changed) {
      agreement.updatedAt = this.clock.now();
      await this.agreements.save(agreement, manager);
    }
    await this.event(
      manager,
      agreement.id,
      action,
      `node ${claims.from}`,
      body.reason ?? null,
      claims.id,
      claims.from,
      { noEffect: changed ? null : `was ${before}` },
    );
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Marks as expired the agreements whose last day has passed (the gate refuses them either way),
   * and retires the versions whose signed renewal has reached its first day. Returns how many
   * expired.
   */
  async expireDue(): Promise<number> {
    return this.agreements.transaction(async (manager) => {
      const today = this.gate.today();
      const expired = await this.agreements.expireBefore(today, manager);
      for (const agreement of expired)
        await this.event(manager, agreement.id, 'expired', 'system', null, null);
      for (const renewal of await this.agreements.renewalsTakingOver(today, manager))
        await this.retirePrevious(manager, renewal, 'system');
      return expired.length;
    });
  }

  private async step(
    agreement: AgreementEntity,
    actor: string,
    reason: string | null,
    action: string,
    type: string,
    body: Record<string, unknown>,
    change: (agreement: AgreementEntity) => void | Promise<void>,
    after?: (manager: EntityManager, agreement: AgreementEntity) => Promise<void>,
    /** Whether the step may still be taken on the row as locked; by default, its state unchanged. */
    stillAllowed: (locked: AgreementEntity) => boolean = (locked) => locked.state === agreement.state,
  ): Promise<AgreementEntity> {
    const others = agreement.terms.parties.filter((p) => p !== this.region);
    const prepared: Awaited<ReturnType<OutboxService['prepare']>>[] = [];
    for (const to of others) prepared.push(await this.outbox.prepare({ to, type, body }));
    return this.agreements.transaction(async (manager) => {
      const locked = await this.agreements.findForUpdate(agreement.id, manager);
      if (!locked || !stillAllowed(locked)) {
        throw new AgreementException(
          AgreementErrorCode.WrongState,
          `agreement ${agreement.id} changed meanwhile; try again`,
        );
      }
      await change(locked);
      locked.updatedAt = this.clock.now();
      await this.agreements.save(locked, manager);
      for (const signed of prepared) {
        await this.outbox.enqueue(manager, signed);
        await this.event(manager, locked.id, action, actor, reason, signed.claims.id);
      }
      if (prepared.length === 0) await this.event(manager, locked.id, action, actor, reason, null);
      await after?.(manager, locked);
      return locked;
    });
  }

  /**
   * Records the activation and retires the version it renews, once the renewal is in force: one
   * signed ahead of its first day leaves the old version carrying the exchanges until that day
   * (the sweep retires it then).
   */
  private async activatedIn(
    manager: EntityManager,
    agreement: AgreementEntity,
    actor: string,
  ): Promise<void> {
    await this.event(manager, agreement.id, 'activated', actor, null, null);
    if (agreement.terms.validFrom <= this.gate.today()) await this.retirePrevious(manager, agreement, actor);
  }

  /** Marks the version `renewal` renews as superseded, if it is still in force or expired. */
  private async retirePrevious(
    manager: EntityManager,
    renewal: AgreementEntity,
    actor: string,
  ): Promise<void> {
    const previous = renewal.terms.supersedes
      ? await this.agreements.findForUpdate(renewal.terms.supersedes, manager)
      : null;
    if (previous && SIGNED_STATES.includes(previous.state)) {
      previous.state = 'superseded';
      previous.updatedAt = this.clock.now();
      await this.agreements.save(previous, manager);
      await this.event(manager, previous.id, 'superseded', actor, `renewed as ${renewal.id}`, null);
    }
  }

  private stepBody(agreementId: string, reason: string | null): Record<string, unknown> {
    return reason ? { agreementId, reason } : { agreementId };
  }

  private expectState(agreement: AgreementEntity, states: readonly AgreementState[]): void {
    if (!states.includes(agreement.state)) {
      throw new AgreementException(
        AgreementErrorCode.WrongState,
        `agreement ${agreement.id} is ${agreement.state}; this needs it ${states.join(' or ')}`,
      );
    }
  }

  /** Fills in the keys each party signs with (this node's own, and those pinned for the others) and validates. */
  private async termsFor(terms: AgreementTerms): Promise<AgreementTerms> {
    const keys: Record<string, string[]> = {};
    for (const party of terms.parties) {
      // The keys each party signs with now: a retired key signs nothing under a new agreement.
      if (party === this.region) {
        keys[party] = this.identity
          .publicKeys()
          .map((k) => k.kid)
          .filter((kid) => this.identity.retiredAt(kid) === undefined);
      } else {
        const peer = await this.peers.require(party);
        keys[party] = peer.pinnedKeys.map((k) => k.kid).filter((kid) => peer.retiredKeys[kid] === undefined);
      }
    }
    const complete: AgreementTerms = { ...terms, keys };
    const problems = agreementTermsProblems(complete);
    if (complete.validUntil < this.gate.today())
      problems.push(`validUntil ${complete.validUntil} is already past`);
    if (problems.length > 0)
      throw new AgreementException(AgreementErrorCode.TermsInvalid, problems.join('; '));
    return complete;
  }

  private async resolveKey(region: string, kid: string) {
    if (region === this.region) {
      const jwk = this.identity.publicKeys().find((k) => k.kid === kid);
      return jwk ? importPublicKey(jwk) : undefined;
    }
    const peer = await this.peers.find(region);
    return peer ? this.peers.pinnedKey(peer, kid) : undefined;
  }

  private async verify<T>(
    document: unknown,
    onError: (code: string, message: string) => T,
  ): Promise<Awaited<ReturnType<typeof verifyAgreementDocument>> | T> {
    try {
      return await verifyAgreementDocument(document, (region, kid) => this.resolveKey(region, kid));
    } catch (error) {
      if (error instanceof AgreementDocumentError) return onError(error.code, error.message);
      throw error;
    }
  }

  /** The document held here, checked before this node adds its signature to it. */
  /**
   * Before countersigning: the agreement pins, for each party, a key it signs with now. One
   * proposed before a rotation (this node's, or the proposer's once its new card is pinned here)
   * would be signed by none of its parties' keys in use, and no record could move under it.
   */
  private async requireKeysInUse(agreement: AgreementEntity): Promise<void> {
    const { keys, parties, id } = agreement.terms;
    const own = this.identity.signer().kid;
    if (!keys[this.region]?.includes(own)) {
      throw new AgreementException(
        AgreementErrorCode.KeysRetired,
        `agreement ${id} pins keys ${keys[this.region]?.join(', ')} for ${this.region}, not its signing key ${own} ` +
          `(rotated since it was proposed): decline it, and have the proposer re-pin this node's card and propose again`,
      );
    }
    for (const party of parties) {
      if (party === this.region) continue;
      const peer = await this.peers.find(party);
      const pinned = keys[party] ?? [];
      if (peer && pinned.length > 0 && pinned.every((kid) => peer.retiredKeys[kid] !== undefined)) {
        throw new AgreementException(
          AgreementErrorCode.KeysRetired,
          `agreement ${id} pins for ${party} only keys it has retired (${pinned.join(', ')}): ` +
            `decline it, and ask ${party} to propose it again`,
        );
      }
    }
  }

  private async verifyHeld(document: unknown): Promise<Awaited<ReturnType<typeof verifyAgreementDocument>>> {
    return this.verify(document, (code, message) => {
      throw new AgreementException(AgreementErrorCode.DocumentInvalid, `${code}: ${message}`);
    });
  }

  private async verifyReceived(
    document: unknown,
  ): Promise<Awaited<ReturnType<typeof verifyAgreementDocument>>> {
    return this.verify(document, (code, message) => {
      throw new EnvelopeError(EnvelopeErrorCode.AgreementInvalid, `${code}: ${message}`);
    });
  }

  private event(
    manager: EntityManager,
    agreementId: string,
    action: string,
    actor: string,
    reason: string | null,
    messageId: string | null,
    region = this.region,
    { noEffect = null }: { noEffect?: string | null } = {},
  ): Promise<void> {
    return this.agreements.addEvent(
      { agreementId, action, actor, region, reason, messageId, noEffect },
      manager,
      this.clock.now(),
    );
  }
}

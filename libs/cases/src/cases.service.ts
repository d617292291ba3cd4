import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { EntityManager } from 'typeorm';
import type { AuthenticatedUser } from '@regulink/access';
import { AgreementsService } from '@regulink/agreements';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { chinaCalendarDate, isAssistAction, isClueAction } from '@regulink/domain';
import { Clock, OutboxService, PeersService, QueryClient, type ReceivedMessage } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  canonicalJson,
  EnvelopeError,
  importPublicKey,
  parseEnvelope,
  signedWhileActive,
  verifyEnvelopeSignature,
  type EnvelopeClaims,
  type PublicSigningJwk,
} from '@regulink/protocol';
import { isUniqueViolation } from '@regulink/persistence';
import { ShopLocator, type SellerPlace } from '@regulink/registry';
import { CaseFileEntity } from './case-file.entity';
import {
  caseRefusal,
  dueOf,
  dueSoonUntil,
  nextFacts,
  startFacts,
  stateOf,
  receivedOnOf,
  type CaseKind,
  type CaseSide,
  type StepAction,
} from './case-rules';
import { CaseStepEntity } from './case-step.entity';
import { CaseEntity, type OnwardCase } from './case.entity';
import { CaseRefusalCode, CasesErrorCode, CasesException } from './cases.exception';
import { CasesRepository, type CaseFilter } from './cases.repository';
import {
  MAX_FILE_BYTES,
  MAX_STEP_FILES,
  type EvidenceUploadDto,
  type FileReferenceDto,
} from './dto/case-content.dto';
import { CaseUploadEntity } from './case-upload.entity';
import type {
  AssistSendBody,
  CaseStepBody,
  ClueSendBody,
  FilePullBody,
  OnwardBody,
} from './dto/case-message.dto';
import type {
  AssistCreateDto,
  CaseFiguresQueryDto,
  CaseListQueryDto,
  ClueCreateDto,
  CaseStepDto,
} from './dto/case-request.dto';

/** The agreement scope each kind of case travels under. */
export const CASE_SCOPES: Record<CaseKind, string> = { clue: 'clue.transfer', assist: 'assist.request' };

/** How long a file pull may take, per piece. */
const PULL_DEADLINE_MS = 10_000;

type SendBody = ClueSendBody | AssistSendBody;

/** The files of a step, read and checked: what goes into `case_file`. */
type HeldFile = Omit<CaseFileEntity, 'caseId' | 'seq'>;

type PublicKey = Awaited<ReturnType<typeof importPublicKey>>;

/** What a new case this node sends is made of. */
interface NewCase {
  readonly content: Record<string, unknown>;
  readonly restrictions: { noOnwardTransfer: boolean };
  readonly files: HeldFile[];
  readonly brand: string | null;
  readonly transferredFrom: { region: string; caseId: string } | null;
  /** The creating request's id as the officer's client named it (see `earlierRequest`). */
  readonly requestId?: string | null;
}

/** Jurisdiction as the sender worked it out, carried with the case. */
interface Jurisdiction {
  readonly region: string;
  readonly basis: SellerPlace['basis'] | 'override';
  readonly evidence: string | null;
  /** The region computed, when the officer sent elsewhere. */
  readonly computed: { region: string | null; basis: string; evidence: string | null } | null;
  readonly overrideReason: string | null;
}

/** How far from today a deadline list may be looked at (`asOf`). */
const AS_OF_RANGE_DAYS = 366;

/**
 * Case clues (线索) and assistance requests (协查) between regions. Each case lives on both nodes
 * under one id; every step is a signed envelope that both keep, numbered so that both apply the
 * same steps in the same order under the same rules (`case-rules`), and delivered by the outbox,
 * so a step is taken here and sent there in one transaction. Evidence files are named by SHA-256
 * in the signed step and pulled by the other side, which checks every file before it applies the
 * step: a step with a file that does not match is refused whole.
 */
@Injectable()
export class CasesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Cases');
  /** Files pulled while a received step was checked, waiting for the step to be applied. */
  private readonly pulled = new WeakMap<object, HeldFile[]>();
  private readonly importedKeys = new Map<string, Promise<PublicKey>>();

  constructor(
    private readonly cases: CasesRepository,
    private readonly outbox: OutboxService,
    private readonly queries: QueryClient,
    private readonly peers: PeersService,
    private readonly agreements: AgreementsService,
    private readonly locator: ShopLocator,
    private readonly identity: NodeIdentityService,
    private readonly clock: Clock,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Today in China: the day steps are dated and deadlines counted by. */
  today(): string {
    return chinaCalendarDate(this.clock.now())!;
  }

  onApplicationBootstrap(): void {
    void this.refreshDueDates().catch((error: unknown) =>
      this.logger.error({ err: error }, 'could not bring the due dates up to date'),
    );
  }

  /**
   * The stored due dates of the cases still running, as the working-day calendar gives them now:
   * a date beyond the years the calendar covers was counted on weekends alone (provisional), and
   * a newer calendar (the next year's holidays, once published) moves it. Returns how many moved.
   */
  async refreshDueDates(): Promise<number> {
    let moved = 0;
    const today = this.today();
    // One read of the agreement per agreement and kind, however many cases it carries.
    const days = new Map<string, Promise<number>>();
    for (const item of await this.cases.runningDeadlines()) {
      const key = `${item.kind} ${item.agreementId}`;
      if (!days.has(key)) days.set(key, this.workingDays(item));
      const due = dueOf(item.kind as CaseKind, item.facts, await days.get(key)!, today).due;
      if (due !== item.dueOn && (await this.cases.moveDueOn(item.id, item.dueOn, due ?? null))) moved++;
    }
    if (moved > 0) this.logger.log({ moved }, 'due dates moved to the current working-day calendar');
    return moved;
  }

  // ---- the sending side -------------------------------------------------------------------

  /** Works out where a clue belongs and sends it there, with its evidence. */
  async createClue(user: AuthenticatedUser, dto: ClueCreateDto) {
    const earlier = await this.earlierRequest(user, 'clue', dto.requestId, dto.clue);
    if (earlier) return earlier;
    const computed = await this.placeOfClue(dto.clue, dto.to);
    const jurisdiction = this.jurisdiction(computed, dto.to, dto.overrideReason);
    return this.create(user, 'clue', jurisdiction, {
      content: dto.clue as unknown as Record<string, unknown>,
      restrictions: { noOnwardTransfer: dto.restrictions?.noOnwardTransfer ?? false },
      files: await this.attachments(user, dto.evidence, dto.uploads),
      brand: dto.clue.brand ?? null,
      transferredFrom: null,
      requestId: dto.requestId ?? null,
    });
  }

  /** Sends an assistance request to the home region of the entity it is about. */
  async createAssist(user: AuthenticatedUser, dto: AssistCreateDto) {
    const earlier = await this.earlierRequest(user, 'assist', dto.requestId, dto.request);
    if (earlier) return earlier;
    const computed = await this.locator.entity(dto.request.entity.creditCode);
    const jurisdiction = this.jurisdiction(computed, dto.to, dto.overrideReason);
    return this.create(user, 'assist', jurisdiction, {
      content: dto.request as unknown as Record<string, unknown>,
      restrictions: { noOnwardTransfer: true },
      files: await this.attachments(user, dto.evidence, dto.uploads),
      brand: null,
      transferredFrom: null,
      requestId: dto.requestId ?? null,
    });
  }

  /**
   * The case an earlier request of `user` with this request id created, when this is that
   * request again (same kind, same content); refused when the id named another request.
   */
  private async earlierRequest(
    user: AuthenticatedUser,
    kind: CaseKind,
    requestId: string | undefined,
    content: object,
  ): Promise<Awaited<ReturnType<CasesService['view']>> | undefined> {
    if (requestId === undefined) return undefined;
    const earlier = await this.cases.byRequest(user.username, requestId);
    if (!earlier) return undefined;
    if (earlier.kind !== kind || canonicalJson(earlier.content) !== canonicalJson(plainCopy(content))) {
      throw new CasesException(
        CasesErrorCode.RequestIdTaken,
        `requestId ${requestId} already created case ${earlier.id}, with other content`,
      );
    }
    return this.view(earlier.id);
  }

  /**
   * The region of the seller behind a clue: the strongest place any of its suspect shops or
   * entities gives (a landing result, then an operator's code, then an operating address, then
   * the platform's region). Places as strong in different regions leave it to the officer
   * (`CASE_JURISDICTION_AMBIGUOUS`, unless `to` names the region): the first listed is no reason.
   */
  private async placeOfClue(
    clue: ClueCreateDto['clue'],
    to: string | undefined,
  ): Promise<SellerPlace | undefined> {
    const places: SellerPlace[] = [];
    for (const shop of clue.shops) {
      const place = await this.locator.shop(shop);
      if (place) places.push(place);
    }
    for (const entity of clue.entities) {
      const place = await this.locator.entity(entity.creditCode);
      if (place) places.push(place);
    }
    const strength: SellerPlace['basis'][] = [
      'landing-result',
      'operator-code',
      'operating-address',
      'platform-region',
    ];
    const ranked = places
      .filter((p) => p.region !== null)
      .sort((a, b) => strength.indexOf(a.basis) - strength.indexOf(b.basis));
    const strongest = ranked.filter((p) => p.basis === ranked[0]?.basis);
    const regions = [...new Set(strongest.map((p) => p.region))];
    if (regions.length > 1 && to === undefined) {
      throw new CasesException(
        CasesErrorCode.JurisdictionAmbiguous,
        `the suspects point to ${regions.length} regions alike (${strongest
          .map((p) => `${p.region}: ${p.basis} ${p.evidence}`)
          .join('; ')}): send a clue to each, or name the region with \`to\` and a reason`,
      );
    }
    return ranked[0];
  }

  private jurisdiction(
    computed: SellerPlace | undefined,
    to: string | undefined,
    overrideReason: string | undefined,
  ): Jurisdiction {
    const found = computed?.region ? computed : undefined;
    if (to !== undefined && to !== found?.region) {
      if (to === this.identity.region)
        throw new CasesException(
          CasesErrorCode.LocalJurisdiction,
          'a case cannot be sent to this node itself',
        );
      return {
        region: to,
        basis: 'override',
        evidence: null,
        computed: computed
          ? { region: computed.region, basis: computed.basis, evidence: computed.evidence }
          : null,
        overrideReason: overrideReason ?? null,
      };
    }
    if (!found)
      throw new CasesException(
        CasesErrorCode.NoJurisdiction,
        'no region of the federation is known where the seller operates: name it with `to` and a reason',
      );
    if (found.region === this.identity.region)
      throw new CasesException(
        CasesErrorCode.LocalJurisdiction,
        `the seller operates in this region (${found.basis}: ${found.evidence}): the case is handled here`,
      );
    return {
      region: found.region!,
      basis: found.basis,
      evidence: found.evidence,
      computed: null,
      overrideReason: null,
    };
  }

  private async create(user: AuthenticatedUser, kind: CaseKind, jurisdiction: Jurisdiction, input: NewCase) {
    const prepared = await this.prepareCase(kind, jurisdiction, input, user.username, this.today());
    try {
      await this.cases.transaction(async (manager) => {
        await this.cases.insert(manager, prepared.item, prepared.steps, prepared.files);
        await this.outbox.enqueue(manager, prepared.send);
      });
    } catch (error) {
      // The same request at the same moment (a double click): the first one's case is the answer.
      const earlier =
        input.requestId && isUniqueViolation(error)
          ? await this.earlierRequest(user, kind, input.requestId, input.content)
          : undefined;
      if (earlier) return earlier;
      throw error;
    }
    this.logger.log(
      {
        caseId: prepared.item.id,
        kind,
        to: jurisdiction.region,
        basis: jurisdiction.basis,
        by: user.username,
      },
      'sent a case',
    );
    return this.view(prepared.item.id);
  }

  /**
   * A new case this node sends (an officer's, or one handed on by a transfer): its signed send,
   * its row, its first step and its files, ready to be written in the caller's transaction.
   */
  private async prepareCase(
    kind: CaseKind,
    jurisdiction: Jurisdiction,
    input: NewCase,
    createdBy: string | null,
    on: string,
  ) {
    const id = uuidv7();
    const send = await this.outbox.prepare({
      to: jurisdiction.region,
      type: `${kind}.send`,
      body: {
        caseId: id,
        on,
        restrictions: input.restrictions,
        jurisdiction: { ...jurisdiction },
        ...(input.transferredFrom ? { transferredFrom: input.transferredFrom } : {}),
        files: input.files.map(reference),
        content: input.content,
      },
    });
    const facts = startFacts(kind, {
      restrictions: input.restrictions,
      transferredFrom: input.transferredFrom,
      sentOn: on,
    });
    const now = this.clock.now();
    const item = Object.assign(new CaseEntity(), {
      id,
      kind,
      role: 'sender',
      peerRegion: jurisdiction.region,
      agreementId: send.claims.agreement!,
      state: stateOf(facts),
      seq: 1,
      facts,
      content: input.content,
      jurisdiction: { ...jurisdiction },
      transferredFrom: input.transferredFrom,
      brand: input.brand,
      receivedOn: null,
      dueOn: null,
      createdBy,
      requestId: input.requestId ?? null,
      createdAt: now,
      updatedAt: now,
    });
    return {
      send,
      item,
      steps: [this.stepRow(id, 1, 'send', {}, on, send, createdBy)],
      files: this.fileRows(id, 1, input.files),
    };
  }

  // ---- steps taken here -------------------------------------------------------------------

  /** Takes the next step of a case on this node's side and sends it to the other side. */
  async act(user: AuthenticatedUser, id: string, dto: CaseStepDto) {
    const item = await this.require(id);
    const kind = item.kind as CaseKind;
    const side = item.role as CaseSide;
    // Never before the step before it: in the seconds before midnight here, the other region's
    // last step can already be dated the next day.
    const on = laterDay(this.today(), lastStepDay(item.facts));
    const { evidence, uploads, ...fields } = dto;
    const action = { type: dto.action, ...withoutAction(fields) } as StepAction;
    // The rules are checked before anything is signed, and again under the lock below.
    const workingDays = await this.workingDays(item);
    const facts = this.apply(kind, item.facts, action, side, on, workingDays);
    const files = await this.attachments(user, evidence, uploads);
    const seq = item.seq + 1;
    const step = await this.outbox.prepare({
      to: item.peerRegion,
      type: side === 'sender' ? `${kind}.step` : `${kind}.reply`,
      // Under the version of the case's agreement in force now: a renewal carries on the cases
      // begun under the version it renews (whose deadlines they keep).
      agreement: await this.agreements.currentVersion(item.agreementId),
      body: { caseId: id, seq, on, action: { ...fields }, files: files.map(reference) },
    });
    // A transfer hands the case to the competent region as a new case, in the same transaction.
    const onward = action.type === 'transfer' ? await this.prepareTransfer(item, action, on) : undefined;
    await this.cases.transaction(async (manager) => {
      const locked = await this.cases.lock(manager, id);
      if (!locked || locked.seq !== item.seq)
        throw new CasesException(CasesErrorCode.Conflict, 'the case changed meanwhile; read it again');
      // A step of the other side that came early holds this number, waiting for the one before it.
      if (await this.cases.stepAt(manager, id, seq))
        throw new CasesException(
          CasesErrorCode.Conflict,
          `step ${seq} of case ${id} came from ${item.peerRegion} and waits for the one before it`,
        );
      await this.cases.addSteps(
        manager,
        [this.stepRow(id, seq, action.type, fields, on, step, user.username)],
        this.fileRows(id, seq, files),
      );
      await this.cases.update(manager, this.advanced(locked, facts, seq, workingDays));
      await this.outbox.enqueue(manager, step);
      if (onward) {
        await this.cases.insert(manager, onward.item, onward.steps, onward.files);
        await this.outbox.enqueue(manager, onward.send);
      }
    });
    this.logger.log({ caseId: id, seq, action: action.type, by: user.username }, 'took a case step');
    return this.view(id);
  }

  private async prepareTransfer(item: CaseEntity, action: StepAction, on: string) {
    const to = action.toRegion!;
    if (to === this.identity.region || to === item.peerRegion)
      throw new CasesException(CasesErrorCode.FieldInvalid, 'a transfer goes to a third region');
    const files = (await this.cases.filesOf(item.id)).map(({ name, mediaType, sha256, size, content }) => ({
      name,
      mediaType,
      sha256,
      size,
      content,
    }));
    const jurisdiction: Jurisdiction = {
      region: to,
      basis: 'override',
      evidence: null,
      computed: null,
      overrideReason: action.reason ?? null,
    };
    return this.prepareCase(
      item.kind as CaseKind,
      jurisdiction,
      {
        content: item.content,
        restrictions: { noOnwardTransfer: true },
        files,
        brand: item.brand,
        transferredFrom: { region: item.peerRegion, caseId: item.id },
      },
      null,
      on,
    );
  }

  // ---- steps received ---------------------------------------------------------------------

  /** Before a send or step is recorded: pull the files it names and check each one. */
  async checkFiles(
    message: ReceivedMessage<{ caseId: string; files: FileReferenceDto[] }>,
    pullType: string,
  ): Promise<void> {
    const files: HeldFile[] = [];
    for (const file of message.body.files) {
      files.push(await this.pull(message.claims, pullType, message.body.caseId, file));
    }
    this.pulled.set(message, files);
  }

  private async pull(
    claims: EnvelopeClaims,
    type: string,
    caseId: string,
    file: FileReferenceDto,
  ): Promise<HeldFile> {
    const pieces: Buffer[] = [];
    let offset = 0;
    while (offset < file.size || (offset === 0 && file.size === 0)) {
      const { result } = await this.queries.query(
        claims.from,
        type,
        { caseId, sha256: file.sha256, offset },
        PULL_DEADLINE_MS,
        claims.agreement,
      );
      if (result.found !== true)
        throw new EnvelopeError(
          CaseRefusalCode.EvidenceMissing,
          `the sender does not provide file ${file.sha256}`,
        );
      const data = Buffer.from(String(result.data ?? ''), 'base64');
      // A file that ends early is caught by its digest below.
      if (data.length === 0) break;
      pieces.push(data);
      offset += data.length;
      if (offset > file.size) break;
    }
    const content = Buffer.concat(pieces);
    const digest = createHash('sha256').update(content).digest('hex');
    if (content.length !== file.size || digest !== file.sha256) {
      this.logger.warn(
        { caseId, file: file.sha256, received: digest, bytes: content.length },
        'an evidence file did not match its digest',
      );
      throw new EnvelopeError(
        CaseRefusalCode.EvidenceMismatch,
        `evidence file ${file.name} does not match the SHA-256 its step names`,
      );
    }
    return { name: file.name, mediaType: file.mediaType, sha256: file.sha256, size: file.size, content };
  }

  /** Answers a pull of a piece of a file this node announced for a case with the asking region. */
  async answerPull(message: ReceivedMessage<FilePullBody>): Promise<Record<string, unknown>> {
    const piece = Math.max(1024, Math.floor((this.config.federation.maxEnvelopeBytes * 0.5 * 3) / 4));
    const { caseId, sha256, offset } = message.body;
    const chunk = await this.cases.chunk(caseId, sha256, message.claims.from, offset, piece);
    if (!chunk) return { found: false };
    return { found: true, size: chunk.size, offset, data: chunk.data.toString('base64') };
  }

  /** A new case from another region: recorded, and its receipt sent back as the first reply. */
  async applySend(kind: CaseKind, message: ReceivedMessage<SendBody>, manager: EntityManager): Promise<void> {
    const { claims, body } = message;
    this.checkDate(body.on, claims);
    // The receipt is never dated before the send: with this node's clock a little behind the
    // sender's around midnight, today here can still be the day before the send.
    const on = laterDay(this.today(), body.on);
    if (await this.cases.stepAt(manager, body.caseId, 1))
      throw new EnvelopeError(CaseRefusalCode.Exists, `case ${body.caseId} is already held here`);
    const files = this.pulled.get(message) ?? [];
    let facts = startFacts(kind, {
      restrictions: body.restrictions,
      transferredFrom: body.transferredFrom ?? null,
      sentOn: body.on,
    });
    const workingDays = await this.workingDaysOf(kind, claims.agreement!);
    facts = this.apply(kind, facts, { type: 'receive' } as StepAction, 'receiver', on, workingDays, true);
    const receipt = await this.outbox.prepare({
      to: claims.from,
      type: `${kind}.reply`,
      agreement: claims.agreement,
      body: { caseId: body.caseId, seq: 2, on, action: { action: 'receive' }, files: [] },
    });
    const now = this.clock.now();
    const item = Object.assign(new CaseEntity(), {
      id: body.caseId,
      kind,
      role: 'receiver',
      peerRegion: claims.from,
      agreementId: claims.agreement!,
      state: 'sent',
      seq: 1,
      facts: {},
      content: body.content as unknown as Record<string, unknown>,
      jurisdiction: body.jurisdiction,
      transferredFrom: body.transferredFrom ?? null,
      brand: 'brand' in body.content ? (body.content.brand ?? null) : null,
      receivedOn: null,
      dueOn: null,
      createdBy: null,
      createdAt: now,
      updatedAt: now,
    });
    await this.cases.insert(
      manager,
      item,
      [
        this.stepRowReceived(body.caseId, 1, 'send', {}, body.on, message),
        this.stepRow(body.caseId, 2, 'receive', {}, on, receipt, null),
      ],
      this.fileRows(body.caseId, 1, files),
    );
    await this.cases.update(manager, this.advanced(item, facts, 2, workingDays));
    await this.outbox.enqueue(manager, receipt);
  }

  /**
   * A step of the other side: applied when it is the next one; held when it arrived before the
   * one it follows (and applied when that one comes); refused with the rules' code when the
   * case's state does not allow it.
   */
  async applyStep(
    kind: CaseKind,
    peerSide: CaseSide,
    message: ReceivedMessage<CaseStepBody>,
    manager: EntityManager,
  ): Promise<void> {
    const { claims, body } = message;
    this.checkDate(body.on, claims);
    const item = await this.cases.lock(manager, body.caseId);
    if (!item || item.kind !== kind || item.peerRegion !== claims.from)
      throw new EnvelopeError(
        CaseRefusalCode.Unknown,
        `no ${kind} ${body.caseId} is held with ${claims.from}`,
      );
    if (item.role === peerSide)
      throw new EnvelopeError(
        CasesErrorCode.WrongSide,
        `${claims.from} is not the ${peerSide} of case ${body.caseId}`,
      );
    if (body.seq <= item.seq || (await this.cases.stepAt(manager, body.caseId, body.seq)))
      throw new EnvelopeError(
        CaseRefusalCode.StepConflict,
        `case ${body.caseId} already has a step ${body.seq}`,
      );
    const files = this.pulled.get(message) ?? [];
    const row = this.stepRowReceived(
      body.caseId,
      body.seq,
      body.action.action,
      { ...body.action },
      body.on,
      message,
    );
    if (body.seq > item.seq + 1) {
      // Held until the steps before it come, then checked against the rules; one that could
      // never apply would hold its number, and the case, for good.
      const known = kind === 'clue' ? isClueAction : isAssistAction;
      if (!known(body.action.action))
        throw new EnvelopeError(
          CasesErrorCode.TransitionIllegal,
          `a ${kind} has no step ${body.action.action}`,
        );
      await this.cases.addSteps(
        manager,
        [{ ...row, status: 'pending' }],
        this.fileRows(body.caseId, body.seq, files),
      );
      this.logger.log(
        { caseId: body.caseId, seq: body.seq, held: item.seq },
        'holding a case step that came early',
      );
      return;
    }
    const workingDays = await this.workingDays(item);
    let facts = this.apply(
      kind,
      item.facts,
      toAction({ ...body.action }),
      peerSide,
      body.on,
      workingDays,
      true,
    );
    await this.cases.addSteps(manager, [row], this.fileRows(body.caseId, body.seq, files));
    const applied: CaseStepEntity[] = [row];
    let seq = body.seq;
    // Steps that came early and now follow on.
    for (
      let next = await this.cases.pending(manager, item.id, seq + 1);
      next;
      next = await this.cases.pending(manager, item.id, seq + 1)
    ) {
      try {
        facts = this.apply(
          kind,
          facts,
          toAction({ action: next.action, ...next.payload }),
          peerSide,
          next.on,
          workingDays,
          true,
        );
      } catch (error) {
        this.logger.error(
          { caseId: item.id, seq: next.seq, err: error },
          'a held case step breaks the rules; it stays held',
        );
        break;
      }
      await this.cases.markApplied(manager, item.id, next.seq);
      applied.push(next);
      seq = next.seq;
    }
    const advanced = this.advanced(item, facts, seq, workingDays);
    await this.cases.update(manager, advanced);
    if (kind === 'clue' && item.role === 'sender' && item.transferredFrom)
      await this.relayOnward(advanced, applied, manager);
  }

  /**
   * A clue this node handed on by transfer: the competent region's steps go back to the region
   * that first sent it, so that it learns what became of its clue (with the competent region's
   * own signatures).
   */
  private async relayOnward(item: CaseEntity, steps: readonly CaseStepEntity[], manager: EntityManager) {
    const first = item.transferredFrom!;
    const relay = await this.outbox.prepare({
      to: first.region,
      type: 'clue.onward',
      body: {
        caseId: first.caseId,
        onward: {
          caseId: item.id,
          region: item.peerRegion,
          state: item.state,
          steps: steps.map(({ seq, action, on, envelope }) => ({ seq, action, on, envelope })),
        },
      },
    });
    await this.outbox.enqueue(manager, relay);
  }

  /** At the region that first sent a clue: what the competent region did with it, relayed. */
  async applyOnward(message: ReceivedMessage<OnwardBody>, manager: EntityManager): Promise<void> {
    const { claims, body } = message;
    const item = await this.cases.lock(manager, body.caseId);
    if (!item || item.kind !== 'clue' || item.role !== 'sender' || item.peerRegion !== claims.from)
      throw new EnvelopeError(CaseRefusalCode.Unknown, `no clue ${body.caseId} was sent to ${claims.from}`);
    if (item.state !== 'transferred')
      throw new EnvelopeError(CasesErrorCode.TransitionIllegal, `clue ${body.caseId} was not transferred`);
    const held = item.onward;
    if (held && (held.caseId !== body.onward.caseId || held.region !== body.onward.region))
      throw new EnvelopeError(CaseRefusalCode.StepConflict, `clue ${body.caseId} went on as another case`);
    const steps = new Map((held?.steps ?? []).map((step) => [step.seq, step]));
    for (const step of body.onward.steps) steps.set(step.seq, { ...step });
    const ordered = [...steps.values()].sort((a, b) => a.seq - b.seq);
    const newest = Math.max(...body.onward.steps.map((step) => step.seq));
    const stale = (held?.steps ?? []).some((step) => step.seq > newest);
    await this.cases.setOnward(manager, item.id, {
      caseId: body.onward.caseId,
      region: body.onward.region,
      state: stale && held ? held.state : body.onward.state,
      steps: ordered,
    });
  }

  /**
   * A step's date must be the day its envelope was signed, in China (give or take a day for a
   * signature made around midnight): not the day it arrives, which after a partner's outage may
   * be days later.
   */
  private checkDate(on: string, claims: EnvelopeClaims): void {
    const signedOn = chinaCalendarDate(new Date(claims.iat * 1000))!;
    const days = Math.abs(Date.parse(`${on}T00:00:00Z`) - Date.parse(`${signedOn}T00:00:00Z`)) / 86_400_000;
    if (!(days <= 1))
      throw new EnvelopeError(
        CaseRefusalCode.StepDateInvalid,
        `a step dated ${on} was signed on ${signedOn}`,
      );
  }

  // ---- reading ----------------------------------------------------------------------------

  async view(id: string) {
    const { item, steps, files } = await this.cases.snapshot(id);
    if (!item) throw new CasesException(CasesErrorCode.NotFound, `no case ${id}`);
    const verified = await Promise.all(steps.map((s) => this.verifyStep(s)));
    const deadline = await this.deadline(item, this.today());
    // The steps taken here: whether the other region has them (a refused or cancelled one,
    // never applied there, is something the officer must see).
    const own = steps.filter((s) => s.byRegion === this.identity.region && s.envelopeId);
    const deliveries = await this.outbox.deliveries(own.map((s) => s.envelopeId!));
    return {
      id: item.id,
      kind: item.kind,
      role: item.role,
      region: this.identity.region,
      peerRegion: item.peerRegion,
      agreementId: item.agreementId,
      state: item.state,
      content: item.content,
      restrictions: (item.facts as { restrictions?: unknown }).restrictions ?? null,
      jurisdiction: item.jurisdiction,
      transferredFrom: item.transferredFrom,
      onward: item.onward ? await this.onwardView(item.onward) : null,
      receivedOn: item.receivedOn,
      deadline,
      files: files.map(({ sha256, name, mediaType, size, seq }) => ({ sha256, name, mediaType, size, seq })),
      steps: steps.map((s, i) => ({
        seq: s.seq,
        action: s.action,
        by: s.byRegion,
        takenBy: s.takenBy,
        on: s.on,
        payload: s.payload,
        status: s.status,
        envelopeId: s.envelopeId,
        digest: s.digest,
        envelope: s.envelope,
        signature: verified[i],
        delivery: s.envelopeId ? (deliveries.get(s.envelopeId) ?? null) : null,
      })),
      createdBy: item.createdBy,
      createdAt: item.createdAt.toISOString(),
      updatedAt: item.updatedAt.toISOString(),
    };
  }

  /** A relayed onward case, each step's signature checked against the competent region's pinned key. */
  private async onwardView(onward: OnwardCase) {
    const steps = await Promise.all(
      onward.steps.map(async (step) => ({
        ...step,
        signature: await this.verifySigned(step.envelope, onward.region, onward.caseId, step.seq),
      })),
    );
    return { caseId: onward.caseId, region: onward.region, state: onward.state, steps };
  }

  /** The raw content of one evidence file of a case. */
  async file(id: string, sha256: string): Promise<{ name: string; mediaType: string; content: Buffer }> {
    const file = await this.cases.content(id, sha256);
    if (!file) throw new CasesException(CasesErrorCode.FileNotFound, `case ${id} has no file ${sha256}`);
    return file;
  }

  async list(query: CaseListQueryDto) {
    const today = this.today();
    const asOf = query.asOf ?? today;
    // Each listed case's deadline is counted in working days up to asOf, day by day: a year
    // either way is what a deadline list can mean, and keeps that count short.
    if (Math.abs(Date.parse(asOf) - Date.parse(today)) > AS_OF_RANGE_DAYS * 86_400_000) {
      throw new CasesException(
        CasesErrorCode.FieldInvalid,
        `asOf must be within ${AS_OF_RANGE_DAYS} days of today (${today})`,
      );
    }
    const filter: CaseFilter = {
      role: query.box === 'inbox' ? 'receiver' : 'sender',
      kind: query.kind,
      state: query.state,
      peerRegion: query.region,
      brand: query.brand,
      dueOnOrBefore: query.dueBefore,
      ...(query.due === 'overdue' ? { dueBefore: asOf } : {}),
      ...(query.due === 'due-soon'
        ? { dueFrom: asOf, dueOnOrBefore: minDate(query.dueBefore, dueSoonUntil(asOf)) }
        : {}),
      limit: query.limit ?? 200,
    };
    const items = await this.cases.list(filter);
    // Cases of one agreement share its deadline terms: one read per agreement, not per case.
    const terms = new Map<string, Promise<number>>();
    const workingDays = (item: CaseEntity) => {
      const key = `${item.kind} ${item.agreementId}`;
      if (!terms.has(key)) terms.set(key, this.workingDays(item));
      return terms.get(key)!;
    };
    return Promise.all(
      items.map(async (item) => ({
        id: item.id,
        kind: item.kind,
        role: item.role,
        peerRegion: item.peerRegion,
        agreementId: item.agreementId,
        state: item.state,
        brand: item.brand,
        receivedOn: item.receivedOn,
        dueOn: item.dueOn,
        deadline: dueOf(item.kind as CaseKind, item.facts, await workingDays(item), asOf),
        transferredFrom: item.transferredFrom,
        createdAt: item.createdAt.toISOString(),
      })),
    );
  }

  async figures(query: CaseFiguresQueryDto) {
    const asOf = query.asOf ?? this.today();
    const rows = await this.cases.figures(query.from, query.to, asOf);
    return {
      region: this.identity.region,
      from: query.from,
      to: query.to,
      asOf,
      figures: rows.map((row) => ({
        ...row,
        direction: row.role === 'sender' ? 'sent' : 'received',
        // Clues filed as cases per clue received: the rate regulators report.
        filedRate: row.received > 0 ? Math.round((row.filed / row.received) * 1000) / 1000 : null,
      })),
    };
  }

  // ---- helpers ----------------------------------------------------------------------------

  private async require(id: string): Promise<CaseEntity> {
    const item = await this.cases.find(id);
    if (!item) throw new CasesException(CasesErrorCode.NotFound, `no case ${id}`);
    return item;
  }

  /** Applies the shared rules; their refusal becomes this edge's error (API or federation). */
  private apply(
    kind: CaseKind,
    facts: Record<string, unknown>,
    action: StepAction,
    side: CaseSide,
    on: string,
    workingDays: number,
    received = false,
  ): Record<string, unknown> {
    try {
      return nextFacts(kind, facts, action, side, on, workingDays);
    } catch (error) {
      const refusal = caseRefusal(error);
      if (!refusal) throw error;
      if (received) throw new EnvelopeError(refusal.code, refusal.message);
      throw new CasesException(refusal.code, refusal.message);
    }
  }

  /** The case with new facts at step `seq`: state, receipt date and due date follow from them. */
  private advanced(
    item: CaseEntity,
    facts: Record<string, unknown>,
    seq: number,
    workingDays: number,
  ): CaseEntity {
    const next = Object.assign(new CaseEntity(), item, {
      facts,
      seq,
      state: stateOf(facts),
      receivedOn: receivedOnOf(facts),
      updatedAt: this.clock.now(),
    });
    next.dueOn = dueOf(next.kind as CaseKind, facts, workingDays, this.today()).due ?? null;
    return next;
  }

  private async deadline(item: CaseEntity, asOf: string) {
    return dueOf(item.kind as CaseKind, item.facts, await this.workingDays(item), asOf);
  }

  private workingDays(item: CaseEntity): Promise<number> {
    return this.workingDaysOf(item.kind as CaseKind, item.agreementId);
  }

  /** The working days the agreement gives for the filing decision of a clue, or for an answer. */
  private async workingDaysOf(kind: CaseKind, agreementId: string): Promise<number> {
    const { deadlines } = (await this.agreements.require(agreementId)).terms;
    return kind === 'clue' ? deadlines.clueWorkingDays : deadlines.assistWorkingDays;
  }

  /** A public key, imported once: a kid is the key's thumbprint, so it names the same key always. */
  private publicKey(jwk: PublicSigningJwk): Promise<PublicKey> {
    let key = this.importedKeys.get(jwk.kid);
    if (!key) {
      key = importPublicKey(jwk);
      this.importedKeys.set(jwk.kid, key);
      key.catch(() => this.importedKeys.delete(jwk.kid));
    }
    return key;
  }

  /** Whether a kept step's signature verifies against its signer's key (pinned, or this node's). */
  private verifyStep(step: CaseStepEntity): Promise<{ verified: boolean; kid: string | null }> {
    return this.verifySigned(step.envelope, step.byRegion, step.caseId, step.seq);
  }

  /** Whether `envelope` is step `seq` of case `caseId`, signed by `region` with a key known for it. */
  private async verifySigned(
    envelope: string,
    region: string,
    caseId: string,
    seq: number,
  ): Promise<{ verified: boolean; kid: string | null }> {
    try {
      const parsed = parseEnvelope(envelope, Number.MAX_SAFE_INTEGER);
      const jwk =
        region === this.identity.region
          ? this.identity.publicKeys().find((k) => k.kid === parsed.kid)
          : (await this.peers.find(region))?.pinnedKeys.find((k) => k.kid === parsed.kid);
      if (!jwk || parsed.claims.from !== region) return { verified: false, kid: parsed.kid };
      // A key retired before the step's date did not sign it (for this node's own keys too).
      const retiredAt =
        region === this.identity.region
          ? this.identity.retiredAt(parsed.kid)?.toISOString()
          : (await this.peers.find(region))?.retiredKeys[parsed.kid];
      const retired = retiredAt === undefined ? undefined : { [parsed.kid]: retiredAt };
      if (!signedWhileActive(retired, parsed.kid, new Date(parsed.claims.iat * 1000)))
        return { verified: false, kid: parsed.kid };
      await verifyEnvelopeSignature(parsed, await this.publicKey(jwk));
      const body = parsed.claims.body as { caseId?: string; seq?: number };
      const sameStep = body.caseId === caseId && (body.seq ?? 1) === seq;
      return { verified: sameStep, kid: parsed.kid };
    } catch {
      return { verified: false, kid: null };
    }
  }

  /**
   * Keeps an evidence file an officer uploads, read up to its size limit and named by its
   * SHA-256, to attach to a case or a step by that digest.
   */
  async upload(user: AuthenticatedUser, name: string, mediaType: string, body: AsyncIterable<Uint8Array>) {
    const pieces: Buffer[] = [];
    let size = 0;
    for await (const piece of body) {
      size += piece.length;
      if (size > MAX_FILE_BYTES)
        throw new CasesException(
          CasesErrorCode.EvidenceTooLarge,
          `an evidence file is at most ${MAX_FILE_BYTES} bytes`,
        );
      pieces.push(Buffer.from(piece));
    }
    const content = Buffer.concat(pieces);
    const sha256 = createHash('sha256').update(content).digest('hex');
    await this.cases.saveUpload(
      Object.assign(new CaseUploadEntity(), {
        uploadedBy: user.username,
        sha256,
        name,
        mediaType,
        size,
        content,
        uploadedAt: this.clock.now(),
      }),
    );
    return { sha256, size, name, mediaType };
  }

  /** The files of a case or step: given inline (base64), or uploaded before by this officer. */
  private async attachments(
    user: AuthenticatedUser,
    evidence: EvidenceUploadDto[] | undefined,
    uploads: string[] | undefined,
  ): Promise<HeldFile[]> {
    const inline = (evidence ?? []).map((upload) => {
      const content = Buffer.from(upload.contentBase64, 'base64');
      if (content.length > MAX_FILE_BYTES)
        throw new CasesException(
          CasesErrorCode.EvidenceTooLarge,
          `${upload.name} is larger than ${MAX_FILE_BYTES} bytes`,
        );
      return {
        name: upload.name,
        mediaType: upload.mediaType,
        sha256: createHash('sha256').update(content).digest('hex'),
        size: content.length,
        content,
      };
    });
    const wanted = [...new Set(uploads ?? [])];
    const stored = wanted.length > 0 ? await this.cases.uploadsOf(user.username, wanted) : [];
    const missing = wanted.filter((sha256) => !stored.some((u) => u.sha256 === sha256));
    if (missing.length > 0)
      throw new CasesException(
        CasesErrorCode.EvidenceInvalid,
        `no upload of yours has the digest ${missing.join(', ')}`,
      );
    const files = [
      ...inline,
      ...stored.map(({ name, mediaType, sha256, size, content }) => ({
        name,
        mediaType,
        sha256,
        size,
        content,
      })),
    ];
    if (files.length > MAX_STEP_FILES)
      throw new CasesException(
        CasesErrorCode.EvidenceInvalid,
        `a step carries at most ${MAX_STEP_FILES} files`,
      );
    if (new Set(files.map((f) => f.sha256)).size !== files.length)
      throw new CasesException(CasesErrorCode.EvidenceInvalid, 'the same file is attached twice');
    return files;
  }

  private fileRows(caseId: string, seq: number, files: readonly HeldFile[]): CaseFileEntity[] {
    return files.map((f) => Object.assign(new CaseFileEntity(), { ...f, caseId, seq }));
  }

  private stepRow(
    caseId: string,
    seq: number,
    action: string,
    payload: Record<string, unknown>,
    on: string,
    signed: { claims: EnvelopeClaims; envelope: string; digest: string },
    takenBy: string | null,
  ): CaseStepEntity {
    return Object.assign(new CaseStepEntity(), {
      caseId,
      seq,
      action,
      byRegion: this.identity.region,
      takenBy,
      payload: withoutAction(payload),
      on,
      envelopeId: signed.claims.id,
      digest: signed.digest,
      envelope: signed.envelope,
      status: 'applied',
      recordedAt: this.clock.now(),
    });
  }

  private stepRowReceived(
    caseId: string,
    seq: number,
    action: string,
    payload: Record<string, unknown>,
    on: string,
    message: ReceivedMessage<object>,
  ): CaseStepEntity {
    return Object.assign(new CaseStepEntity(), {
      caseId,
      seq,
      action,
      byRegion: message.claims.from,
      takenBy: null,
      payload: withoutAction(payload),
      on,
      envelopeId: message.claims.id,
      digest: message.digest,
      envelope: message.envelope,
      status: 'applied',
      recordedAt: this.clock.now(),
    });
  }
}

function reference(file: HeldFile): FileReferenceDto {
  return { name: file.name, mediaType: file.mediaType, sha256: file.sha256, size: file.size };
}

function withoutAction(fields: Record<string, unknown>): Record<string, unknown> {
  const { action: _action, ...rest } = fields;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

function toAction(fields: { action: string } & Record<string, unknown>): StepAction {
  return { type: fields.action, ...withoutAction(fields) } as StepAction;
}

function minDate(a: string | undefined, b: string): string {
  return a !== undefined && a < b ? a : b;
}

/** `value` as JSON holds it (a class instance of a DTO becomes plain data), to compare with a stored copy. */
function plainCopy(value: object): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

/** The day of the last step the facts record (the send's, before any other), if any. */
function lastStepDay(facts: Record<string, unknown>): string | undefined {
  const history = facts.history as readonly { on?: unknown }[] | undefined;
  const last = history?.at(-1)?.on ?? facts.sentOn;
  return typeof last === 'string' ? last : undefined;
}

function laterDay(day: string, other: string | undefined): string {
  return other !== undefined && other > day ? other : day;
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import type { AuthenticatedUser } from '@regulink/access';
import { AgreementGate } from '@regulink/agreements';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import {
  chinaCalendarDate,
  isAcceptedCreditCode,
  nameGrams,
  normalizeEntityText,
  normalizeShopUrl,
  parseCreditCode,
  regionHolding,
  RESOLVE_PURPOSES,
  normalizeShopId,
  type ResolvePurpose,
  type PersonalFieldMap,
} from '@regulink/domain';
import {
  ExchangeRefusedException,
  FederationErrorCode,
  FederationException,
  MessageRegistry,
  PeersService,
  QueryClient,
  type ReceivedMessage,
} from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { EnvelopeError, EnvelopeErrorCode, sha256Base64Url } from '@regulink/protocol';
import { RegistryErrorCode, RegistryException } from '../registry.exception';
import { SHOP_PERSONAL_FIELDS, shopRecord } from '../shops/shop-feed';
import { SyncService, type HeldProvenance } from '../sync/sync.service';
import {
  CASE_REFERENCE,
  type DiscloseRequestDto,
  ResolveMessageBody,
  type ResolveQueryDto,
  type ResolveRequestDto,
} from './dto/resolve-request.dto';
import { ResolveAnswerResult } from './dto/resolve-answer.dto';
import type { ResolveLookupEntity } from './resolve-lookup.entity';
import { ResolveRepository, type EntityRow, type LookupFilter, type ShopRow } from './resolve.repository';

/** The scope of lookups between regions: the answering region's data flows to the asking one. */
export const ENTITY_RESOLVE_SCOPE = 'entity.resolve';

/** Where a lookup's answer carries personal data, for the agreement's field policy. */
const RESOLVE_PERSONAL_FIELDS: PersonalFieldMap = {
  'entities[].legalRepresentative': 'personName',
  ...Object.fromEntries(
    Object.entries(SHOP_PERSONAL_FIELDS).map(([path, field]) => [`shops[].${path}`, field]),
  ),
};

/** What one region knows of the query: entities, shops (with their landing), and why to trust it. */
export interface RegionAnswer {
  readonly region: string;
  /**
   * answered; or, under two-step disclosure, hit (with a reference to ask for the record by) or
   * no-hit; or why not: refused (with the code: refused by the region, or its answer withheld
   * here because it broke the field policy or its schema), unreachable, timeout.
   */
  readonly status: 'answered' | 'hit' | 'no-hit' | 'refused' | 'unreachable' | 'timeout';
  readonly code: string | null;
  readonly reason: string | null;
  /**
   * For another region's answer: the node that signed it, when, under which agreement, the
   * digest of the signed answer, and that its signature verified with the key pinned for it.
   * For this node's own data: `authoritative` (its register) and, per shop, the provenance of
   * copies received from other regions.
   */
  readonly provenance: {
    readonly signedBy: string;
    readonly signedAt: string | null;
    readonly agreement: string | null;
    readonly digest: string | null;
    readonly verified: boolean;
  } | null;
  readonly entities: Record<string, unknown>[];
  readonly shops: Record<string, unknown>[];
  /**
   * The region holds more than it returned (more than 20 entities of a name, more than 200 shops),
   * or a name search there stopped before scoring every candidate: a narrower query may find
   * what is not here.
   */
  readonly more: boolean;
  /**
   * Under two-step disclosure: how many records matched (at most as many as an answer carries;
   * `more` says when there are more), and the reference to ask for them by.
   */
  readonly hits?: number;
  readonly reference?: string | null;
}

export interface ResolveResult {
  readonly request: string;
  readonly query: Record<string, string>;
  readonly purpose: string;
  readonly caseReference: string;
  readonly answers: RegionAnswer[];
  /** Regions asked that gave no answer in time (down, or too slow). */
  readonly missing: string[];
  /** What about the query itself may explain an empty answer (a credit code's check failing, say). */
  readonly warnings: string[];
}

type Query =
  | { kind: 'credit-code'; creditCode: string; division: string; warning: string | null }
  | { kind: 'shop-url'; url: string; platform: string | null }
  | { kind: 'shop-id'; platform: string; shopId: string }
  | { kind: 'name'; name: string; nameKey: string };

/** How long the reference of a hit can be used to ask for its record. */
const REFERENCE_TTL_MS = 7 * 24 * 3600 * 1000;

/** How long an officer waits for other regions by default. */
const DEFAULT_DEADLINE_MS = 5000;
/** The least time a second hop (a shop's operator at its home) is given, whatever is left. */
const MIN_DEADLINE_MS = 500;

/**
 * The link in what an officer pasted: a platform app's share text holds it among words
 * (`【淘宝】https://shop1.taobao.com/?… 「店名」`); a link alone is as given.
 */
function linkIn(pasted: string): string {
  const link = /https?:\/\/[^\s「」【】“”"'<>]+/i.exec(pasted);
  return link && link[0] !== pasted.trim() ? link[0] : pasted;
}

/** A region asked that gave no answer in time (down, or too slow). */
function isMissing(answer: RegionAnswer): boolean {
  return answer.status === 'unreachable' || answer.status === 'timeout';
}

/**
 * The answer for a region no node of which is known here: its register was not asked (the
 * region of a division is its province's; a city's node would be found first were it known).
 */
function noNode(division: string): RegionAnswer {
  const region = `${division.slice(0, 2)}0000`;
  return {
    region,
    status: 'refused',
    code: 'NO_NODE',
    reason: `no node of region ${region} (division ${division}) is known here: its register was not asked`,
    provenance: null,
    entities: [],
    shops: [],
    more: false,
  };
}

/**
 * Resolving a shop or an entity across regions, for an officer. A credit code goes to the node of
 * its home region; a shop is answered from the reports and copies held here, and its operator is
 * then resolved at home; a name (or a shop unknown here) is asked of every region whose
 * agreements allow `entity.resolve`, in parallel, with a deadline. Every lookup names its purpose
 * and case reference and is logged at both ends; an answer from another region is signed by it,
 * and personal data in it follows the agreement's field policy.
 */
@Injectable()
export class ResolveService {
  private readonly logger = new Logger(ResolveService.name);

  constructor(
    private readonly repository: ResolveRepository,
    private readonly queries: QueryClient,
    private readonly gate: AgreementGate,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
    private readonly sync: SyncService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  /** Registers the `entity.resolve` query, answered from this node's data. */
  register(registry: MessageRegistry): void {
    registry.register<ResolveMessageBody>({
      type: `${ENTITY_RESOLVE_SCOPE}.query`,
      kind: 'query',
      scope: ENTITY_RESOLVE_SCOPE,
      flow: 'answer',
      body: ResolveMessageBody,
      result: ResolveAnswerResult,
      answer: (message) => this.answerPeer(message),
    });
  }

  async resolve(user: AuthenticatedUser, dto: ResolveRequestDto): Promise<ResolveResult> {
    const { purpose, caseReference } = this.why(dto);
    const query = this.queryOf(dto);
    await this.checkOfficerQuota(user);
    const request = uuidv7();
    const deadlineMs = dto.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const asked: Asked = {
      request,
      officer: user.username,
      purpose,
      caseReference,
      query: wire(query),
      records: [],
    };
    const answers: RegionAnswer[] = [];
    // The record of every lookup this request makes is written once, at its end (also on a refusal).
    try {
      await this.dispatch(query, asked, answers, deadlineMs);
      this.logLocal(asked, answers[0]!);
    } finally {
      await this.repository.log(asked.records);
    }
    return {
      request,
      query: asked.query,
      purpose,
      caseReference,
      answers,
      missing: [...new Set(answers.filter(isMissing).map((a) => a.region))],
      warnings: query.kind === 'credit-code' && query.warning ? [query.warning] : [],
    };
  }

  private async dispatch(
    query: Query,
    asked: Asked,
    answers: RegionAnswer[],
    deadlineMs: number,
  ): Promise<void> {
    const own = this.identity.region;
    const until = Date.now() + deadlineMs;
    if (query.kind === 'credit-code') {
      const home = regionHolding(query.division, await this.regions());
      // What is held here and the entity at home, at once; the entity is authoritative at home,
      // so a refusal there is the officer's answer.
      const [local, remote] = await Promise.all([
        this.localAnswer(query),
        home === own
          ? null
          : home === undefined
            ? noNode(query.division)
            : this.ask(home, asked, deadlineMs, true),
      ]);
      answers.push(local, ...(remote ? [remote] : []));
    } else if (query.kind === 'name') {
      const local = await this.localAnswer(query);
      const remote = await Promise.all(
        (await this.gate.partners(ENTITY_RESOLVE_SCOPE, 'from')).map((region) =>
          this.ask(region, asked, deadlineMs, false),
        ),
      );
      answers.push(local, ...remote);
    } else {
      const local = await this.localAnswer(query);
      answers.push(local);
      let shops = local.shops;
      if (shops.length === 0) {
        // Not reported here, nor held as a copy: ask the regions that may answer.
        const remote = await Promise.all(
          (await this.gate.partners(ENTITY_RESOLVE_SCOPE, 'from')).map((region) =>
            this.ask(region, asked, deadlineMs, false),
          ),
        );
        answers.push(...remote);
        shops = remote.flatMap((answer) => answer.shops);
      }
      // The operators behind the shops, each resolved at its home, in what is left of the deadline;
      // a region that did not answer in time just now is not asked again.
      const left = Math.max(MIN_DEADLINE_MS, until - Date.now());
      const silent = new Set(answers.filter(isMissing).map((answer) => answer.region));
      answers.push(...(await this.operatorsAtHome(shops, local, asked, left, silent)));
    }
  }

  /** The second step of a two-step disclosure: the records of a hit, asked for by its reference. */
  async disclose(user: AuthenticatedUser, dto: DiscloseRequestDto): Promise<ResolveResult> {
    const { purpose, caseReference } = this.why(dto);
    // A hit's reference is given by another region: this one, or one it does not know, has none.
    if (dto.region === this.identity.region || !(await this.peers.find(dto.region))) {
      throw new RegistryException(
        RegistryErrorCode.ResolveQueryInvalid,
        `${dto.region} is not another region this node knows: ask the region that gave the reference`,
      );
    }
    await this.checkOfficerQuota(user);
    const request = uuidv7();
    const asked: Asked = {
      request,
      officer: user.username,
      purpose,
      caseReference,
      query: { reference: dto.reference },
      records: [],
    };
    let answer: RegionAnswer;
    try {
      answer = await this.ask(dto.region, asked, DEFAULT_DEADLINE_MS, true);
    } finally {
      await this.repository.log(asked.records);
    }
    return {
      request,
      query: asked.query,
      purpose,
      caseReference,
      answers: [answer],
      missing: isMissing(answer) ? [dto.region] : [],
      warnings: [],
    };
  }

  async lookups(filter: LookupFilter) {
    if (filter.before !== null && !(await this.repository.hasLookup(filter.before))) {
      throw new RegistryException(
        RegistryErrorCode.ResolveQueryInvalid,
        `before names no lookup recorded here: ${filter.before}`,
      );
    }
    return this.repository.lookupsOf(filter);
  }

  /** Purpose and case reference, both required (their own code when missing). */
  private why(dto: { purpose?: string; caseReference?: string }): {
    purpose: ResolvePurpose;
    caseReference: string;
  } {
    const purpose = dto.purpose?.trim();
    const caseReference = dto.caseReference?.trim();
    if (!purpose || !caseReference) {
      throw new RegistryException(
        RegistryErrorCode.PurposeRequired,
        'every lookup states its purpose and a case reference',
      );
    }
    if (!(RESOLVE_PURPOSES as readonly string[]).includes(purpose)) {
      throw new RegistryException(
        RegistryErrorCode.PurposeRequired,
        `purpose must be one of ${RESOLVE_PURPOSES.join(', ')}`,
      );
    }
    if (!CASE_REFERENCE.test(caseReference)) {
      throw new RegistryException(
        RegistryErrorCode.PurposeRequired,
        'caseReference must be 3 to 64 letters, digits, brackets, dashes, slashes or dots',
      );
    }
    return { purpose: purpose as ResolvePurpose, caseReference };
  }

  /** Exactly one way to name what is looked up, checked and normalized. */
  private queryOf(
    dto: Pick<ResolveQueryDto, 'shopUrl' | 'platform' | 'shopId' | 'creditCode' | 'name'>,
  ): Query {
    const invalid = (message: string) =>
      new RegistryException(RegistryErrorCode.ResolveQueryInvalid, message);
    const forms = [dto.shopUrl, dto.shopId, dto.creditCode, dto.name].filter((v) => v !== undefined);
    if (forms.length !== 1) {
      throw invalid('name exactly one of shopUrl, platform and shopId, creditCode, or name');
    }
    if (dto.creditCode !== undefined) {
      const parsed = parseCreditCode(dto.creditCode);
      if (!isAcceptedCreditCode(parsed)) throw invalid(`creditCode is not a credit code: ${parsed.reason}`);
      // Accepted (some early codes are legal so), but most often a code mistyped: say so.
      const warning =
        parsed.status === 'check-failed'
          ? `the check characters of ${parsed.code} do not add up (the last would be ${parsed.expectedCheck}): it may be mistyped`
          : null;
      return { kind: 'credit-code', creditCode: parsed.code, division: parsed.divisionCode, warning };
    }
    if (dto.shopUrl !== undefined) {
      const parsed = normalizeShopUrl(linkIn(dto.shopUrl));
      if (parsed.status !== 'valid') throw invalid(`shopUrl ${parsed.reason}`);
      return { kind: 'shop-url', url: parsed.url, platform: dto.platform?.trim() || null };
    }
    if (dto.shopId !== undefined) {
      if (!dto.platform?.trim()) throw invalid('a shopId needs its platform');
      return { kind: 'shop-id', platform: dto.platform.trim(), shopId: normalizeShopId(dto.shopId) };
    }
    const nameKey = normalizeEntityText(dto.name!);
    if (nameKey.length < 2) throw invalid('name must hold at least two letters or characters');
    // 有限公司 alone names every company.
    if (nameGrams(nameKey).length === 0) throw invalid('name must hold more than a legal form');
    return { kind: 'name', name: dto.name!.trim(), nameKey };
  }

  /** Takes one of the officer's lookups of the day (China time), or refuses the request. */
  private async checkOfficerQuota(user: AuthenticatedUser): Promise<void> {
    const limit = this.config.registry.resolveDailyQuotaPerOfficer;
    const today = chinaCalendarDate(new Date())!;
    if (!(await this.repository.takeOfficerLookup(user.username, today, limit))) {
      throw new RegistryException(
        RegistryErrorCode.OfficerQuotaExceeded,
        `${user.username} has made the ${limit} lookups allowed today`,
      );
    }
  }

  /** What this node itself holds for the query. */
  private async localAnswer(query: Query): Promise<RegionAnswer> {
    const found = await this.lookUp(query);
    const shops = await Promise.all(found.shops.map((shop) => this.localShop(shop)));
    return {
      region: this.identity.region,
      status: 'answered',
      code: null,
      reason: null,
      provenance: null,
      entities: found.entities.map((e) => ({ ...e, authoritative: true })),
      shops,
      more: found.more,
    };
  }

  /** The entities and shops held here for a query (here, or for a peer's officer), and whether there are more. */
  private async lookUp(query: Query): Promise<{ entities: EntityRow[]; shops: ShopRow[]; more: boolean }> {
    switch (query.kind) {
      case 'credit-code':
        return this.repository.entityWithShops(query.creditCode);
      case 'name':
        return { ...(await this.repository.entitiesByName(query.nameKey)), shops: [] };
      case 'shop-url':
        return { entities: [], ...(await this.repository.shopsByUrl(query.url, query.platform)) };
      case 'shop-id':
        return { entities: [], ...(await this.repository.shopsById(query.platform, query.shopId)) };
    }
  }

  /** A shop as this node answers it: reported here, or a copy whose signature is checked again now. */
  private async localShop(shop: ShopRow): Promise<Record<string, unknown>> {
    const own = this.identity.region;
    const record =
      shop.origin === null
        ? shopRecord({ ...shop, homeSource: shop.homeSource as never }, own)
        : shop.record!;
    const provenance: HeldProvenance | { signedBy: string; reportedHere: true } =
      shop.origin === null
        ? { signedBy: own, reportedHere: true }
        : await this.sync.verifyHeld({
            record: shop.record,
            index: shop.importLine,
            proof: shop.proof ?? [],
            batchId: shop.importId,
          });
    const landing = shop.landing;
    return {
      ...record,
      provenance,
      landing: landing && {
        ...landingFacts(landing, own),
        provenance:
          landing.landedBy === null
            ? { signedBy: own, landedHere: true }
            : await this.sync.verifyHeld({
                record: landing.record,
                index: landing.batchIndex ?? -1,
                proof: landing.proof ?? [],
                batchId: landing.batchId!,
              }),
      },
    };
  }

  /**
   * Resolves at home the entities behind `shops` (held here, or in other regions' answers): those
   * at home here go into the local answer, the others are asked of their home regions.
   */
  private async operatorsAtHome(
    shops: readonly Record<string, unknown>[],
    local: RegionAnswer,
    asked: Asked,
    deadlineMs: number,
    silent: ReadonlySet<string> = new Set(),
  ): Promise<RegionAnswer[]> {
    const own = this.identity.region;
    const regions = await this.regions();
    const codes = new Set<string>();
    for (const shop of shops) {
      const landed = (shop.landing as { creditCode: string | null } | null)?.creditCode;
      const claimed = (shop.operator as { creditCode: string | null } | null)?.creditCode;
      for (const code of [landed, claimed]) if (code) codes.add(code);
    }
    // All asked at once, under one deadline.
    const answers = await Promise.all(
      [...codes].map(async (creditCode): Promise<RegionAnswer | null> => {
        const parsed = parseCreditCode(creditCode);
        if (!isAcceptedCreditCode(parsed)) return null;
        const home = regionHolding(parsed.divisionCode, regions);
        if (home === undefined) return noNode(parsed.divisionCode);
        if (silent.has(home)) return null;
        if (home !== own) return this.ask(home, { ...asked, query: { creditCode } }, deadlineMs, false);
        local.entities.push(
          ...(await this.repository.entityByCode(creditCode)).map((e) => ({ ...e, authoritative: true })),
        );
        return null;
      }),
    );
    return answers.filter((a): a is RegionAnswer => a !== null);
  }

  /**
   * Asks one region, logging the lookup here. A refusal by this node's own checks (no agreement,
   * quota) is thrown when `single` (the officer asked that region alone), else reported.
   */
  private async ask(
    region: string,
    asked: Asked,
    deadlineMs: number,
    single: boolean,
  ): Promise<RegionAnswer> {
    const { reference, ...query } = asked.query;
    const body = {
      ...(reference ? { reference } : { query }),
      purpose: asked.purpose,
      caseReference: asked.caseReference,
      officer: asked.officer,
    };
    const empty = { region, provenance: null, entities: [], shops: [], more: false };
    let answer: RegionAnswer;
    let messageId: string | null = null;
    try {
      const result = await this.queries.query(region, `${ENTITY_RESOLVE_SCOPE}.query`, body, deadlineMs);
      messageId = result.id;
      answer = await this.checked(region, result.result, result.response, result.agreement);
    } catch (error) {
      if (error instanceof ExchangeRefusedException) {
        if (single) {
          this.logOut(asked, region, 'refused', null, empty);
          throw error;
        }
        answer = { ...empty, status: 'refused', code: error.code, reason: error.message };
      } else if (error instanceof FederationException) {
        messageId = error.messageId ?? null;
        // An answer that came but could not be used (its signature, its shape) is withheld like
        // one that breaks the field policy: the region answered, so it is not missing.
        const status =
          error.code === FederationErrorCode.QueryTimeout
            ? 'timeout'
            : error.code === FederationErrorCode.QueryRefused || error.code === FederationErrorCode.BadReply
              ? 'refused'
              : 'unreachable';
        answer = { ...empty, status, code: error.peerCode ?? error.code, reason: error.message };
      } else {
        throw error;
      }
    }
    this.logOut(asked, region, answer.status, messageId, answer);
    return answer;
  }

  /** Another region's signed answer, checked against the agreement's field policy. */
  private async checked(
    region: string,
    result: Record<string, unknown>,
    response: string,
    asked: string | null,
  ): Promise<RegionAnswer> {
    const claims = JSON.parse(Buffer.from(response.split('.')[1]!, 'base64url').toString('utf8')) as {
      iat: number;
      agreement: string | null;
    };
    if (result.disclosure === 'two-step') {
      // The result has passed ResolveAnswerResult on arrival (QueryClient): its fields are typed.
      const hits = result.hits as number;
      return {
        region,
        status: hits > 0 ? 'hit' : 'no-hit',
        code: null,
        reason: null,
        provenance: {
          signedBy: region,
          signedAt: new Date(claims.iat * 1000).toISOString(),
          agreement: claims.agreement,
          digest: sha256Base64Url(response),
          verified: true,
        },
        entities: [],
        shops: [],
        more: result.more === true,
        hits,
        reference: result.reference as string | null,
      };
    }
    const entities = result.entities as Record<string, unknown>[];
    const shops = result.shops as Record<string, unknown>[];
    const provenance = {
      signedBy: region,
      signedAt: new Date(claims.iat * 1000).toISOString(),
      agreement: claims.agreement,
      digest: sha256Base64Url(response),
      verified: true,
    };
    // The answer must come under the agreement the lookup was sent under, and that one must allow
    // it: an answering node does not get to pick a laxer field policy for itself.
    const policy =
      claims.agreement && claims.agreement === asked
        ? await this.gate.fieldPolicy(claims.agreement, RESOLVE_PERSONAL_FIELDS, {
            scope: ENTITY_RESOLVE_SCOPE,
            from: region,
            to: this.identity.region,
          })
        : undefined;
    const violations = policy
      ? policy.violations({ entities, shops })
      : [`the answer does not come under the agreement the lookup was sent under (${asked})`];
    if (violations.length > 0) {
      this.logger.warn(
        { region, violations: violations.length },
        'an answer broke the field policy; it is withheld',
      );
      return {
        region,
        status: 'refused',
        code: EnvelopeErrorCode.FieldNotAllowed,
        reason: violations.join('; '),
        provenance,
        entities: [],
        shops: [],
        more: false,
      };
    }
    const more = result.more === true;
    return { region, status: 'answered', code: null, reason: null, provenance, entities, shops, more };
  }

  /** Answers another region's officer from this node's data, logs it, and treats personal fields by the agreement. */
  private async answerPeer(message: ReceivedMessage<ResolveMessageBody>): Promise<Record<string, unknown>> {
    const { claims, body } = message;
    const own = this.identity.region;
    const refuse = (why: string) => new EnvelopeError(EnvelopeErrorCode.BodyInvalid, why);
    if ((body.query === undefined) === (body.reference === undefined)) {
      throw refuse('a lookup carries either a query or the reference of an earlier hit');
    }
    let asked: Record<string, string>;
    if (body.reference !== undefined) {
      const reference = await this.repository.useReference(body.reference, claims.from, body.officer);
      if (!reference)
        throw refuse(
          'no hit was given to this officer of that region under that reference, or it has expired',
        );
      asked = reference.query;
    } else {
      asked = body.query as Record<string, string>;
    }
    let query: Query;
    try {
      query = this.queryOf(asked);
    } catch (error) {
      throw refuse((error as Error).message);
    }
    const looked = await this.lookUp(query);
    // Copies of shops other regions sent here were given to this region, not to pass on: only
    // the shops reported here, and the asker's own, go into an answer.
    const found = {
      entities: looked.entities,
      shops: looked.shops.filter((shop) => shop.origin === null || shop.origin === claims.from),
      more: looked.more,
    };
    const log = (outcome: string, codes: string[], shops: number) =>
      this.repository.log([
        {
          id: claims.id,
          at: new Date(),
          direction: 'in',
          officer: body.officer,
          officerRegion: claims.from,
          peer: claims.from,
          purpose: body.purpose,
          caseReference: body.caseReference,
          query: body.reference ? { ...wire(query), reference: body.reference } : wire(query),
          outcome,
          creditCodes: codes,
          shops,
          requestId: claims.id,
          messageId: claims.id,
        },
      ]);
    const exchange = { scope: ENTITY_RESOLVE_SCOPE, from: own, to: claims.from };
    if (
      body.reference === undefined &&
      (await this.gate.disclosure(claims.agreement!, exchange)) === 'two-step'
    ) {
      // First step: say whether there is anything, and give a reference to ask for it by.
      const hits = found.entities.length + found.shops.length;
      const reference = hits > 0 ? uuidv7() : null;
      if (reference) {
        const now = new Date();
        await this.repository.addReference({
          id: reference,
          peer: claims.from,
          officer: body.officer,
          query: wire(query),
          hits,
          createdAt: now,
          expiresAt: new Date(now.getTime() + REFERENCE_TTL_MS),
          disclosedAt: null,
        });
      }
      const codes = new Set<string>(found.entities.map((e) => e.creditCode));
      for (const shop of found.shops) {
        for (const code of [shop.operatorCreditCode, shop.landing?.creditCode]) if (code) codes.add(code);
      }
      await log(hits > 0 ? 'hit' : 'no-hit', [...codes].sort(), 0);
      return { disclosure: 'two-step', hits, reference, more: found.more };
    }
    const shops = found.shops.map((shop) =>
      shop.origin === null
        ? shopRecord({ ...shop, homeSource: shop.homeSource as never }, own)
        : { ...shop.record! },
    );
    const landings = new Map(found.shops.map((s, i) => [i, s.landing]));
    const answer = {
      more: found.more,
      entities: found.entities.map((e) => ({ ...e })),
      shops: shops.map((shop, i) => {
        const landing = landings.get(i);
        return {
          ...shop,
          landing: landing && landingFacts(landing, own),
        };
      }),
    };
    const policy = await this.gate.fieldPolicy(claims.agreement!, RESOLVE_PERSONAL_FIELDS, exchange);
    if (!policy) {
      throw new EnvelopeError(
        EnvelopeErrorCode.NoAgreement,
        `agreement ${claims.agreement} does not allow this`,
      );
    }
    const treated = policy.treat(answer);
    await log(
      body.reference ? 'disclosed' : 'answered',
      codesOf(answer.entities, answer.shops),
      answer.shops.length,
    );
    return treated;
  }

  private logLocal(asked: Asked, local: RegionAnswer): void {
    asked.records.push({
      id: uuidv7(),
      at: new Date(),
      direction: 'local',
      officer: asked.officer,
      officerRegion: this.identity.region,
      peer: null,
      purpose: asked.purpose,
      caseReference: asked.caseReference,
      query: asked.query,
      outcome: local.status,
      creditCodes: codesOf(local.entities, local.shops),
      shops: local.shops.length,
      requestId: asked.request,
      messageId: null,
    });
  }

  private logOut(
    asked: Asked,
    region: string,
    outcome: string,
    messageId: string | null,
    answer: Pick<RegionAnswer, 'entities' | 'shops'>,
  ): void {
    asked.records.push({
      id: uuidv7(),
      at: new Date(),
      direction: 'out',
      officer: asked.officer,
      officerRegion: this.identity.region,
      peer: region,
      purpose: asked.purpose,
      caseReference: asked.caseReference,
      query: asked.query,
      outcome,
      creditCodes: codesOf(answer.entities, answer.shops),
      shops: answer.shops.length,
      requestId: asked.request,
      messageId,
    });
  }

  private async regions(): Promise<string[]> {
    return [this.identity.region, ...(await this.peers.regions())];
  }
}

interface Asked {
  readonly request: string;
  readonly officer: string;
  readonly purpose: ResolvePurpose;
  readonly caseReference: string;
  readonly query: Record<string, string>;
  /** The records of the lookups made for the request, written together at its end. */
  readonly records: ResolveLookupEntity[];
}

/** A query as it travels and is logged: the fields that name what was looked up. */
function wire(query: Query): Record<string, string> {
  switch (query.kind) {
    case 'credit-code':
      return { creditCode: query.creditCode };
    case 'name':
      return { name: query.name };
    case 'shop-url':
      return query.platform ? { shopUrl: query.url, platform: query.platform } : { shopUrl: query.url };
    case 'shop-id':
      return { platform: query.platform, shopId: query.shopId };
  }
}

/** The credit codes an answer returned: its entities, and the operators of its shops. */
function codesOf(
  entities: readonly Record<string, unknown>[],
  shops: readonly Record<string, unknown>[],
): string[] {
  const codes = new Set<string>();
  for (const e of entities) if (typeof e.creditCode === 'string') codes.add(e.creditCode);
  for (const s of shops) {
    const operator = s.operator as { creditCode?: unknown } | null;
    if (typeof operator?.creditCode === 'string') codes.add(operator.creditCode);
    const landing = s.landing as { creditCode?: unknown } | null;
    if (typeof landing?.creditCode === 'string') codes.add(landing.creditCode);
  }
  return [...codes].sort();
}

/** What a landing result held here says, as an answer gives it (`landedBy` this node's region when landed here). */
function landingFacts(landing: NonNullable<ShopRow['landing']>, own: string) {
  return {
    outcome: landing.outcome,
    creditCode: landing.creditCode,
    differing: landing.differing,
    candidates: landing.candidates,
    abnormal: landing.abnormal,
    outdated: landing.outdated,
    landedAt: landing.landedAt,
    landedBy: landing.landedBy ?? own,
  };
}

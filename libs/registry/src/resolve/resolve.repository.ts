import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { nameGrams, ofPlatform } from '@regulink/domain';
import { runPrepared, TableStatistics, WriteBatcher, type PreparedStatement } from '@regulink/persistence';
import { ResolveLookupEntity } from './resolve-lookup.entity';
import { ResolveReferenceEntity } from './resolve-reference.entity';

/** An entity of this node's register, as a lookup returns it. */
export interface EntityRow {
  readonly creditCode: string;
  readonly name: string;
  readonly entityType: string;
  readonly legalRepresentative: string;
  readonly registeredAddress: string;
  readonly divisionCode: string;
  readonly status: string;
  readonly establishedOn: string;
  readonly statusChangedOn: string | null;
  readonly businessScope: string | null;
  readonly updatedAt: string;
  /** For a name search: how closely the name agrees, 0 to 1. */
  readonly score?: number;
}

/** A shop this node holds (reported here, or received), with its landing result if there is one. */
export interface ShopRow {
  readonly platform: string;
  readonly url: string;
  readonly shopId: string;
  readonly shopName: string;
  readonly reportedUrl: string;
  readonly operatorName: string;
  readonly operatorCreditCode: string | null;
  readonly operatorCreditCodeCheckFailed: boolean;
  readonly operatorRegistrationNumber: string | null;
  readonly operatorResidentId: string | null;
  readonly exemptionGround: string | null;
  readonly operatingAddress: string;
  readonly operatingDivisionCode: string | null;
  readonly contact: string | null;
  readonly reportPeriod: string;
  readonly homeDivision: string | null;
  readonly homeSource: string | null;
  readonly origin: string | null;
  readonly record: Record<string, unknown> | null;
  readonly proof: string[] | null;
  readonly importId: string;
  readonly importLine: number;
  readonly landing: {
    outcome: string;
    creditCode: string | null;
    differing: string[] | null;
    candidates: { creditCode: string; score: number }[] | null;
    abnormal: boolean;
    outdated: boolean;
    landedAt: string;
    landedBy: string | null;
    record: Record<string, unknown> | null;
    proof: string[] | null;
    batchId: string | null;
    batchIndex: number | null;
  } | null;
}

const ENTITY_COLUMNS = `e.credit_code AS "creditCode", e.name, e.entity_type AS "entityType",
  e.legal_representative AS "legalRepresentative", e.registered_address AS "registeredAddress",
  e.division_code AS "divisionCode", e.status, to_char(e.established_on, 'YYYY-MM-DD') AS "establishedOn",
  to_char(e.status_changed_on, 'YYYY-MM-DD') AS "statusChangedOn", e.business_scope AS "businessScope",
  to_char(e.source_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"`;

const SHOP_COLUMNS = `s.platform, s.url, s.shop_id AS "shopId", s.shop_name AS "shopName", s.reported_url AS "reportedUrl",
  s.operator_name AS "operatorName", s.operator_credit_code AS "operatorCreditCode",
  s.operator_credit_code_check_failed AS "operatorCreditCodeCheckFailed",
  s.operator_registration_number AS "operatorRegistrationNumber", s.operator_resident_id AS "operatorResidentId",
  s.exemption_ground AS "exemptionGround", s.operating_address AS "operatingAddress",
  s.operating_division_code AS "operatingDivisionCode", s.contact, s.report_period AS "reportPeriod",
  s.home_division AS "homeDivision", s.home_source AS "homeSource", s.origin, s.record, s.proof,
  s.import_id AS "importId", s.import_line AS "importLine",
  CASE WHEN l.platform IS NULL THEN NULL ELSE jsonb_build_object('outcome', l.outcome, 'creditCode', l.credit_code,
    'differing', l.differing, 'candidates', l.candidates, 'abnormal', l.abnormal, 'outdated', l.outdated, 'landedAt', l.landed_at, 'landedBy', l.landed_by, 'record', l.record, 'proof', l.proof,
    'batchId', l.batch_id, 'batchIndex', l.batch_index) END AS landing`;

/** Most entities a name search returns, and most shops any lookup returns. */
const NAME_HITS = 20;
const SHOP_HITS = 200;
/**
 * Most entities a step of a name search scores: a fuzzy step looks among the entities holding the
 * query's rarest pairs (or combinations of two), as many as the statistics expect to stay within
 * it; only a query of common pairs alone reaches it, and is then answered from the first entities
 * the index gives.
 */
const NAME_CANDIDATES = 5_000;
/** Most pairs, or combinations of two, a fuzzy step of a name search looks up. */
const NAME_SETS = 32;
/** Entities the exact step of a name search expects its index lookup to give (see entitiesByName). */
const EXACT_INDEX_ROWS = 100;

/**
 * Shops held here whose operator is, by its code or by landing, the entity $1. Each side of the
 * union has its index; an OR across the join would read every shop.
 */
const SHOPS_OF_ENTITY = `(s.platform, s.url) IN (SELECT platform, url FROM registry_shop WHERE operator_credit_code = $1
                               UNION SELECT platform, url FROM registry_landing WHERE credit_code = $1)`;

/** Shops found, one more than a lookup returns: that one only says there are more (see found). */
function shopsWhere(where: string): string {
  return `SELECT ${SHOP_COLUMNS}
            FROM registry_shop s LEFT JOIN registry_landing l ON l.platform = s.platform AND l.url = s.url
           WHERE ${where}
           ORDER BY s.platform, s.url
           LIMIT ${SHOP_HITS + 1}`;
}

/** What a lookup returns of `rows` fetched with one extra, and whether there were more than it returns. */
function found<T>(rows: readonly T[], limit: number): { rows: T[]; more: boolean } {
  return { rows: rows.slice(0, limit), more: rows.length > limit };
}

/** Shops a lookup found, and whether this node holds more than it returns. */
export interface ShopsFound {
  readonly shops: ShopRow[];
  readonly more: boolean;
}

/** Entities a name search found, and whether there may be more than it returns. */
export interface EntitiesFound {
  readonly entities: EntityRow[];
  readonly more: boolean;
}

/**
 * The lookup of every credit code asked (an officer's here, a peer's at home): the entity and the
 * shops it operates in one statement, each row as JSON (column order kept).
 */
const ENTITY_WITH_SHOPS: PreparedStatement = {
  name: 'regulink-resolve-entity-with-shops',
  text: `SELECT (SELECT coalesce(json_agg(x), '[]') FROM (SELECT ${ENTITY_COLUMNS} FROM registry_entity e WHERE e.credit_code = $1) x) AS entities,
                (SELECT coalesce(json_agg(y), '[]') FROM (${shopsWhere(SHOPS_OF_ENTITY)}) y) AS shops`,
};

/** Which recorded lookups to list (see `ResolveController.lookups`). */
export interface LookupFilter {
  readonly creditCode: string | null;
  readonly direction: string | null;
  /** First and last day, China time, both included. */
  readonly from: string | null;
  readonly to: string | null;
  /** Only lookups recorded before this one (the last of the page before). */
  readonly before: string | null;
  readonly limit: number;
}

/** Lookups to record, given as one JSON array of rows; one recorded before under its id is kept once. */
const INSERT_LOOKUPS: PreparedStatement = {
  name: 'regulink-resolve-insert-lookups',
  text: `INSERT INTO registry_resolve_lookup (id, at, direction, officer, officer_region, peer, purpose,
           case_reference, query, outcome, credit_codes, shops, request_id, message_id)
         SELECT r."id", r."at", r."direction", r."officer", r."officerRegion", r."peer", r."purpose",
                r."caseReference", r."query", r."outcome", r."creditCodes", r."shops", r."requestId", r."messageId"
           FROM jsonb_to_recordset($1::jsonb) AS r("id" uuid, "at" timestamptz, "direction" varchar,
                "officer" varchar, "officerRegion" varchar, "peer" varchar, "purpose" varchar,
                "caseReference" varchar, "query" jsonb, "outcome" varchar, "creditCodes" varchar[],
                "shops" integer, "requestId" uuid, "messageId" uuid)
         ON CONFLICT (id) DO NOTHING`,
};

/**
 * Takes lookups of the day ($2) for several officers ($1, each with how many it asks, $3), none
 * past the quota ($4). In an update's SET the row's columns are its values before the update, so
 * `taken` records how many this statement granted; an officer whose quota is used up gets no row.
 */
const TAKE_OFFICER_LOOKUPS: PreparedStatement = {
  name: 'regulink-resolve-take-officer-lookups',
  text: `INSERT INTO registry_resolve_officer_day AS d (officer, day, lookups, taken)
         SELECT a.officer, $2::date, least(a.n, $4), least(a.n, $4)
           FROM unnest($1::varchar[], $3::integer[]) AS a(officer, n)
         ON CONFLICT (officer, day) DO UPDATE
            SET lookups = least(d.lookups + excluded.taken, $4),
                taken = least(d.lookups + excluded.taken, $4) - d.lookups
          WHERE d.lookups < $4
         RETURNING d.officer, d.taken`,
};

/** How common the register's name terms are: see ResolveRepository.nameTermShares. */
interface TermShares {
  readonly entities: number;
  readonly shares: ReadonlyMap<string, number>;
  readonly rare: number;
}

/** One request's take of an officer's daily quota. */
interface OfficerTake {
  readonly officer: string;
  readonly day: string;
  readonly limit: number;
}

/** Local lookups of the register and the shops, and the log of every lookup. */
@Injectable()
export class ResolveRepository {
  /** The records of concurrent requests go in together: one statement for all of them under load. */
  private readonly logs = new WriteBatcher<readonly ResolveLookupEntity[], void>(
    async (batches) => {
      await this.insertLookups(batches.flat());
      return batches.map(() => undefined);
    },
    { maxWeight: 1000, weight: (lookups) => lookups.length },
  );

  /** The quota takes of concurrent requests go in together, in arrival order. */
  private readonly takes = new WriteBatcher<OfficerTake, boolean>((takes) => this.takeAll(takes), {
    maxWeight: 1000,
  });

  /** The register's common name terms as last read, for the register's size then. */
  private termShares: TermShares | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly statistics: TableStatistics,
  ) {}

  entityByCode(creditCode: string): Promise<EntityRow[]> {
    return this.dataSource.query(`SELECT ${ENTITY_COLUMNS} FROM registry_entity e WHERE e.credit_code = $1`, [
      creditCode,
    ]);
  }

  /**
   * Entities whose name agrees with `nameKey` (a name reduced by normalizeEntityText): those
   * holding every character pair of its core (legal-form suffix dropped) first; when there are
   * none, those sharing at least half its pairs by Dice (then they share a third of its pairs at
   * least). These are looked for among the entities holding one of its rarest pairs (a city or a
   * trade is held by much of the register, a name's own words are not), then, if none is found,
   * among those holding two of its pairs, the least common combinations first. Each step takes as
   * many pairs as the statistics expect to stay within NAME_CANDIDATES entities and scores at most
   * that many, so a search takes about as long at a million entities as at ten thousand (scoring
   * every entity that shared a pair took seconds). Scored by Dice over the pairs, best first.
   */
  async entitiesByName(nameKey: string): Promise<EntitiesFound> {
    const grams = nameGrams(nameKey);
    if (grams.length === 0) return { entities: [], more: false };
    const { entities, shares, rare } = await this.nameTermShares();
    // Entities expected to hold every pair of a set (pairs taken as independent).
    const expected = (set: readonly string[]) =>
      set.reduce((rows, term) => rows * (shares.get(term) ?? rare), entities);
    // Exact: the index is asked for the rarest pairs only, enough to expect a few entities, and
    // the rest are checked on those (a pair every entity holds has a posting list as long as the
    // register; reading it cost more than the whole search).
    const byRarity = [...grams].sort((a, b) => expected([a]) - expected([b]));
    let index = 1;
    while (index < byRarity.length && expected(byRarity.slice(0, index)) > EXACT_INDEX_ROWS) index++;
    const exact = await this.searchNames(grams, [byRarity.slice(0, index)], grams);
    if (exact.entities.length > 0) return exact;
    const similar = async (sets: string[][]): Promise<EntitiesFound> => {
      const taken: string[][] = [];
      let rows = 0;
      for (const set of sets.sort((a, b) => expected(a) - expected(b))) {
        if (taken.length > 0 && rows + expected(set) > NAME_CANDIDATES) break;
        // A long name has many rare pairs, and thousands of combinations of two: each is a
        // condition of the statement, so a step looks up the rarest few only.
        if (taken.length === NAME_SETS) break;
        taken.push(set);
        rows += expected(set);
      }
      return this.searchNames(grams, taken, undefined, 0.5);
    };
    const single = await similar(grams.map((term) => [term]));
    if (single.entities.length > 0 || grams.length < 3) return single;
    return similar(grams.flatMap((a, i) => grams.slice(i + 1).map((b) => [a, b])));
  }

  /**
   * Entities holding every pair of one of the `sets` (looked up in the index), and all of `all`
   * when given (checked on those), at most NAME_CANDIDATES, scored against `grams`; the best
   * NAME_HITS scoring `minScore` at least, and whether there may be more: more scored as well,
   * or the step stopped at NAME_CANDIDATES and did not score them all.
   */
  private async searchNames(
    grams: string[],
    sets: string[][],
    all?: string[],
    minScore = 0,
  ): Promise<EntitiesFound> {
    const first = all ? 5 : 4;
    const holding = sets.map((_, i) => `name_grams @> $${i + first}::text[] COLLATE "C"`).join(' OR ');
    // OFFSET 0 keeps the check of `all` out of the index scan.
    const source = all
      ? `(SELECT * FROM registry_entity WHERE ${holding} OFFSET 0) x WHERE x.name_grams @> $4::text[] COLLATE "C"`
      : `registry_entity WHERE ${holding}`;
    const rows: (EntityRow & { scored: number })[] = await this.dataSource.query(
      `SELECT ${ENTITY_COLUMNS},
              round(2.0 * cardinality(ARRAY(SELECT unnest(e.name_grams) INTERSECT SELECT unnest($1::text[])))
                / (cardinality(e.name_grams) + cardinality($1::text[])), 3)::float AS score,
              count(*) OVER ()::int AS scored
         FROM (SELECT * FROM ${source} LIMIT $2) e
        ORDER BY score DESC, e.credit_code
        LIMIT $3`,
      [grams, NAME_CANDIDATES, NAME_HITS + 1, ...(all ? [all] : []), ...sets],
    );
    // Best first: those under minScore are the last rows, and no more of them were left out.
    const close = found(
      rows.filter((e) => (e.score ?? 0) >= minScore),
      NAME_HITS,
    );
    return {
      entities: close.rows.map(({ scored: _, ...entity }) => entity),
      more: close.more || (rows[0]?.scored ?? 0) >= NAME_CANDIDATES,
    };
  }

  /**
   * The share of the register holding each of its most common name terms, and the register's
   * size, as the planner's statistics estimate them (kept up as the register grows: see
   * TableStatistics); a term not among them is rarer than any that is, and counts as held by
   * `rare`, a thousandth of the least common share listed. None before the first ANALYZE. Read
   * again whenever the statistics' size of the register has changed.
   */
  async nameTermShares(): Promise<TermShares> {
    const entities = await this.statistics.size('registry_entity');
    if (this.termShares?.entities !== entities) {
      const found: { term: string; share: number }[] = await this.dataSource.query(
        `SELECT x.term, x.share::float8 AS share
           FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS x(term, share)
          WHERE s.schemaname = current_schema() AND s.tablename = 'registry_entity'
            AND s.attname = 'name_grams' AND x.term IS NOT NULL`,
      );
      const shares = new Map(found.map((r) => [r.term, r.share]));
      this.termShares = { entities, shares, rare: 0.001 * Math.min(0.01, ...shares.values()) };
    }
    return this.termShares;
  }

  /**
   * The shops held at the normalized `url`, of the platform named (however it is written) when one
   * is. The URL names the shop; the platform only narrows: when it matches none, the URL's shops.
   */
  async shopsByUrl(url: string, platform: string | null): Promise<ShopsFound> {
    const found = await this.shopsOf(platform, 's.url = $1', url);
    return found.shops.length === 0 && platform !== null ? this.shopsOf(null, 's.url = $1', url) : found;
  }

  /** The shops held with the id `shopId` on the platform named, however either side writes its name. */
  shopsById(platform: string, shopId: string): Promise<ShopsFound> {
    return this.shopsOf(platform, 's.shop_id = $1', shopId);
  }

  /** The entity `creditCode` held here, and the shops held here that it operates (by its code or by landing). */
  async entityWithShops(creditCode: string): Promise<{ entities: EntityRow[] } & ShopsFound> {
    const [row] = await runPrepared<{ entities: EntityRow[]; shops: ShopRow[] }>(
      this.dataSource,
      ENTITY_WITH_SHOPS,
      [creditCode],
    );
    const { rows: shops, more } = found(row!.shops, SHOP_HITS);
    return { entities: row!.entities, shops, more };
  }

  /**
   * The shops of the platform named (however written: platforms are compared by what their names
   * mean, `ofPlatform`, which SQL does not know) among those `where` finds. A platform holds one
   * shop of a URL or of an id (or a few), so the keys read first number about the platforms here.
   */
  private async shopsOf(platform: string | null, where: string, value: string): Promise<ShopsFound> {
    const held: { platform: string; url: string }[] = await this.dataSource.query(
      `SELECT s.platform, s.url FROM registry_shop s WHERE ${where}`,
      [value],
    );
    const keys = platform === null ? held : ofPlatform(held, platform);
    if (keys.length === 0) return { shops: [], more: false };
    const { rows: shops, more } = found<ShopRow>(
      await this.dataSource.query(
        shopsWhere('(s.platform, s.url) IN (SELECT * FROM unnest($1::varchar[], $2::varchar[]))'),
        [keys.map((k) => k.platform), keys.map((k) => k.url)],
      ),
      SHOP_HITS,
    );
    return { shops, more };
  }

  /**
   * Records lookups, durably once it resolves; a lookup already recorded under its id (a replayed
   * query) is kept once.
   */
  async log(lookups: readonly ResolveLookupEntity[]): Promise<void> {
    if (lookups.length > 0) await this.logs.submit(lookups);
  }

  private async insertLookups(lookups: readonly ResolveLookupEntity[]): Promise<void> {
    await runPrepared(this.dataSource, INSERT_LOOKUPS, [JSON.stringify(lookups)]);
  }

  async addReference(reference: ResolveReferenceEntity): Promise<void> {
    await this.dataSource.getRepository(ResolveReferenceEntity).insert(reference);
  }

  /**
   * A reference given to `officer` of `peer` that has not expired, marked as used now; null
   * otherwise (another officer of that region who learns it has no use of it).
   */
  async useReference(id: string, peer: string, officer: string): Promise<ResolveReferenceEntity | null> {
    const rows: ResolveReferenceEntity[] = await this.dataSource
      .query(
        `UPDATE registry_resolve_reference SET disclosed_at = coalesce(disclosed_at, now())
        WHERE id = $1 AND peer = $2 AND officer = $3 AND expires_at > now()
        RETURNING id, peer, officer, query, hits`,
        [id, peer, officer],
      )
      .then(([rows]: [ResolveReferenceEntity[], number]) => rows);
    return rows[0] ?? null;
  }

  /**
   * Takes one of the `limit` lookups an officer may make on `day`; false, taking none, when they
   * are all taken. One statement on the officer's counter row: concurrent requests never overshoot.
   */
  async takeOfficerLookup(officer: string, day: string, limit: number): Promise<boolean> {
    if (limit <= 0) return false;
    return this.takes.submit({ officer, day, limit });
  }

  /** Grants a batch of takes: per day and quota, one statement; an officer's first asks first. */
  private async takeAll(takes: readonly OfficerTake[]): Promise<boolean[]> {
    const granted = takes.map(() => false);
    const add = (groups: Map<string, number[]>, key: string, i: number) => {
      const group = groups.get(key);
      if (group) group.push(i);
      else groups.set(key, [i]);
    };
    const byDay = new Map<string, number[]>();
    takes.forEach((take, i) => add(byDay, `${take.day}/${take.limit}`, i));
    for (const indexes of byDay.values()) {
      const { day, limit } = takes[indexes[0]!]!;
      const asked = new Map<string, number[]>();
      for (const i of indexes) add(asked, takes[i]!.officer, i);
      const rows = await runPrepared<{ officer: string; taken: number }>(
        this.dataSource,
        TAKE_OFFICER_LOOKUPS,
        [[...asked.keys()], day, [...asked.values()].map((list) => list.length), limit],
      );
      for (const { officer, taken } of rows) {
        for (const i of asked.get(officer)!.slice(0, taken)) granted[i] = true;
      }
    }
    return granted;
  }

  /** Lookups that returned the entity `creditCode`, newest first; `direction` narrows them. */
  /** The lookups `filter` asks for, newest first (ties by id), as the list API gives them. */
  lookupsOf(filter: LookupFilter): Promise<ResolveLookupEntity[]> {
    return this.dataSource.query(
      `SELECT id, at, direction, officer, officer_region AS "officerRegion", peer, purpose,
              case_reference AS "caseReference", query, outcome, credit_codes AS "creditCodes", shops,
              request_id AS "requestId", message_id AS "messageId"
         FROM registry_resolve_lookup
        WHERE ($1::varchar IS NULL OR credit_codes @> ARRAY[$1::varchar])
          AND ($2::varchar IS NULL OR direction = $2)
          AND ($3::date IS NULL OR at >= $3::date::timestamp AT TIME ZONE 'Asia/Shanghai')
          AND ($4::date IS NULL OR at < ($4::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
          AND ($5::uuid IS NULL OR (at, id) < (SELECT at, id FROM registry_resolve_lookup WHERE id = $5))
        ORDER BY at DESC, id DESC
        LIMIT $6`,
      [filter.creditCode, filter.direction, filter.from, filter.to, filter.before, filter.limit],
    );
  }

  async hasLookup(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM registry_resolve_lookup WHERE id = $1',
      [id],
    );
    return rows.length > 0;
  }
}

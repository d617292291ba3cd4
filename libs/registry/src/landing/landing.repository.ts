import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { RegisterEntry } from '@regulink/domain';
import type { DataSource, EntityManager } from 'typeorm';
import { holding } from '@regulink/persistence';
import { lockFeed, newestPosition } from '../sync/feed-lock';

/** The feeds landing follows: the shops received or imported, and the register. */
export type LandingFeed = 'shop' | 'register';

/** How often a replica waiting for another's landing round to end asks again. */
const ROUND_LOCK_POLL_MS = 250;

/** A shop waiting to be landed, with what landing needs of it. */
export interface ShopToLand {
  readonly platform: string;
  readonly url: string;
  readonly operatorName: string;
  readonly operatorCreditCode: string | null;
  readonly operatingAddress: string;
  readonly contentHash: string;
  readonly changeSeq: string;
}

export interface LandingRow {
  readonly platform: string;
  readonly url: string;
  readonly outcome: string;
  readonly creditCode: string | null;
  readonly differing: readonly string[] | null;
  readonly candidates: readonly { creditCode: string; score: number }[] | null;
  readonly abnormal: boolean;
  readonly shopHash: string;
  /** For a shop landed here, its shop feed position. */
  readonly shopSeq?: string | null;
  /** For a shop landed here by its operator's name, that name reduced for matching. */
  readonly claimedNameKey?: string | null;
  /** For an ambiguous result landed here, its candidates' codes. */
  readonly candidateCodes?: readonly string[] | null;
}

/** The shop columns landing reads, of `registry_shop s`. */
const SHOP_TO_LAND = `s.platform, s.url, s.operator_name AS "operatorName", s.operator_credit_code AS "operatorCreditCode",
  s.operating_address AS "operatingAddress", s.content_hash AS "contentHash", s.change_seq AS "changeSeq"`;

/**
 * Shops at home here: the home division under `$1`, not under any prefix of `$2` (peers inside
 * this region). Written so that it cannot use the home-division index: walking the feed in order
 * and filtering is cheap, sorting every shop at home here is not.
 */
const AT_HOME_HERE = `(s.home_division || '') LIKE $1 || '%'
  AND NOT s.home_division LIKE ANY (SELECT p || '%' FROM unnest($2::text[]) AS p)`;

/** A result landed here that says what the one held (landed here too, current) says. */
const SAME_LOCAL_RESULT = `(registry_landing.landed_by IS NULL AND excluded.landed_by IS NULL AND NOT registry_landing.outdated
  AND (registry_landing.outcome, registry_landing.credit_code, registry_landing.differing, registry_landing.candidates,
       registry_landing.abnormal, registry_landing.shop_hash)
      IS NOT DISTINCT FROM (excluded.outcome, excluded.credit_code, excluded.differing, excluded.candidates,
       excluded.abnormal, excluded.shop_hash))`;

/** Shops to land on the register, the register entries they may land on, and the results. */
@Injectable()
export class LandingRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs one landing round while no other replica of this node runs one (see `holding`); gives up
   * the wait, returning undefined, when `givenUp` says so.
   */
  oneRoundAtATime<T>(
    round: (stillHeld: () => Promise<void>) => Promise<T>,
    givenUp: () => boolean,
  ): Promise<T | undefined> {
    return holding(this.dataSource, 'landing', round, { pollMs: ROUND_LOCK_POLL_MS, givenUp });
  }

  /**
   * How far landing has read a feed: for `shop`, the position up to which the shops at home here
   * have been landed; for `register`, up to which the entries' shops have been landed again.
   */
  async progress(feed: LandingFeed): Promise<string> {
    const rows: { position: string }[] = await this.dataSource.query(
      `SELECT position::text AS position FROM registry_landing_progress WHERE feed = $1`,
      [feed],
    );
    if (rows[0]) return rows[0].position;
    // Before the first round that saved it, the newest shop landed here: over every row, as a
    // result returned since (a city's node taking over) keeps the position of the local one it
    // replaced, so the cursor never goes back.
    return feed === 'shop' ? newestPosition(this.dataSource, 'registry_landing', 'shop_seq') : '0';
  }

  /** Records that landing has read `feed` up to `position` (never backwards). */
  async saveProgress(feed: LandingFeed, position: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO registry_landing_progress (feed, position) VALUES ($1, $2)
       ON CONFLICT (feed) DO UPDATE SET position = greatest(registry_landing_progress.position, excluded.position)`,
      [feed, position],
    );
  }

  /** The newest landing feed position: everything up to it has committed (feed writers hold its lock). */
  newestResult(): Promise<string> {
    return newestPosition(this.dataSource, 'registry_landing');
  }

  /**
   * Shops at home here (home division under `prefix`, not under any of `carvedOut`, the prefixes
   * of peers inside this region) that changed after shop feed position `after` and up to `until`,
   * in feed order.
   */
  async shopsToLand(
    prefix: string,
    carvedOut: readonly string[],
    after: string,
    until: string,
    limit: number,
  ): Promise<ShopToLand[]> {
    return this.dataSource.query(
      `SELECT ${SHOP_TO_LAND}
         FROM registry_shop s
        WHERE s.change_seq > $3::bigint AND s.change_seq <= $5::bigint AND ${AT_HOME_HERE}
        ORDER BY s.change_seq
        LIMIT $4`,
      [prefix, carvedOut, after, limit, until],
    );
  }

  /** The newest register feed position: everything up to it has committed (register writers hold its lock). */
  newestEntry(): Promise<string> {
    return newestPosition(this.dataSource, 'registry_entity');
  }

  /** Register entries that changed after register feed position `after` and up to `until`, in feed order. */
  changedEntries(
    after: string,
    until: string,
    limit: number,
  ): Promise<{ creditCode: string; nameKey: string; changeSeq: string }[]> {
    return this.dataSource.query(
      `SELECT credit_code AS "creditCode", name_key AS "nameKey", change_seq AS "changeSeq"
         FROM registry_entity WHERE change_seq > $1::bigint AND change_seq <= $2::bigint
        ORDER BY change_seq LIMIT $3`,
      [after, until, limit],
    );
  }

  /**
   * The shops at home here whose result these register entries may change: those claiming one of
   * the codes, those whose result landed here names one of them (matched by name, a mismatch, a
   * candidate of an ambiguous one), and those whose claimed operator's name reduces to one of the
   * names (not found by name, or ambiguous among namesakes). Only shops up to shop feed position
   * `until`, which the shop feed's pass has landed: a newer one is landed by the next pass, and
   * its position, once saved, must not pass over shops not landed yet (landing resumes from the
   * highest position saved).
   */
  shopsOnEntries(
    prefix: string,
    carvedOut: readonly string[],
    codes: readonly string[],
    nameKeys: readonly string[],
    until: string,
  ): Promise<ShopToLand[]> {
    // Each shop found is read by its key (the subquery fenced off by OFFSET 0): joined, the planner
    // takes the home test for selective and reads every shop instead.
    return this.dataSource.query(
      `SELECT ${SHOP_TO_LAND}
         FROM (SELECT platform, url FROM registry_shop WHERE operator_credit_code = ANY($3::varchar[])
               UNION
               SELECT platform, url FROM registry_landing
                WHERE landed_by IS NULL
                  AND (credit_code = ANY($3::varchar[]) OR claimed_name_key = ANY($4::varchar[])
                       OR candidate_codes && $3::varchar[])) k
        CROSS JOIN LATERAL (SELECT * FROM registry_shop s WHERE s.platform = k.platform AND s.url = k.url OFFSET 0) s
        WHERE ${AT_HOME_HERE} AND s.change_seq <= $5::bigint
        ORDER BY s.change_seq`,
      [prefix, carvedOut, codes, nameKeys, until],
    );
  }

  /** How many shops are held as failed to land. */
  async failureCount(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query(
      'SELECT count(*)::int AS n FROM registry_landing_failure',
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Records that these shops failed to land (each alone); returns the keys of those that had not
   * failed before.
   */
  async recordFailures(
    failures: readonly { platform: string; url: string; reason: string }[],
  ): Promise<{ platform: string; url: string }[]> {
    if (failures.length === 0) return [];
    return this.dataSource
      .query(
        `INSERT INTO registry_landing_failure (platform, url, reason, attempts, first_failed_at, last_failed_at)
       SELECT p, u, r, 1, now(), now() FROM json_to_recordset($1::json) AS x(p varchar, u varchar, r text)
       ON CONFLICT (platform, url) DO UPDATE SET reason = excluded.reason,
         attempts = registry_landing_failure.attempts + 1, last_failed_at = excluded.last_failed_at
       RETURNING platform, url, attempts = 1 AS first`,
        [JSON.stringify(failures.map((f) => ({ p: f.platform, u: f.url, r: f.reason })))],
      )
      .then((rows: { platform: string; url: string; first: boolean }[]) =>
        rows.filter((row) => row.first).map(({ platform, url }) => ({ platform, url })),
      );
  }

  /** Forgets the failures of these shops, landed since. */
  async clearFailures(shops: readonly { platform: string; url: string }[]): Promise<void> {
    if (shops.length === 0) return;
    await this.dataSource.query(
      `DELETE FROM registry_landing_failure f USING json_to_recordset($1::json) AS x(p varchar, u varchar)
        WHERE f.platform = x.p AND f.url = x.u`,
      [JSON.stringify(shops.map((s) => ({ p: s.platform, u: s.url })))],
    );
  }

  /**
   * The shops held as failed that are due to be tried again: 30 s after the first failure, then
   * twice as long after each, at most an hour. Failures of shops no longer at home here (moved
   * away, or gone) are forgotten first.
   */
  async dueFailures(prefix: string, carvedOut: readonly string[], limit: number): Promise<ShopToLand[]> {
    await this.dataSource.query(
      `DELETE FROM registry_landing_failure f
        WHERE NOT EXISTS (SELECT 1 FROM registry_shop s
                           WHERE s.platform = f.platform AND s.url = f.url AND ${AT_HOME_HERE})`,
      [prefix, carvedOut],
    );
    return this.dataSource.query(
      `SELECT ${SHOP_TO_LAND}
         FROM registry_landing_failure f JOIN registry_shop s ON s.platform = f.platform AND s.url = f.url
        WHERE f.last_failed_at + least(interval '30 seconds' * power(2, least(f.attempts - 1, 7)), interval '1 hour') <= now()
        ORDER BY f.last_failed_at
        LIMIT $1`,
      [limit],
    );
  }

  /** The shops held as failed to land, the most recent failure first, with what it failed on. */
  failures(limit: number): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT f.platform, f.url, s.shop_id AS "shopId", s.shop_name AS "shopName", f.reason, f.attempts,
              f.first_failed_at AS "firstFailedAt", f.last_failed_at AS "lastFailedAt"
         FROM registry_landing_failure f
         LEFT JOIN registry_shop s ON s.platform = f.platform AND s.url = f.url
        ORDER BY f.last_failed_at DESC, f.platform, f.url
        LIMIT $1`,
      [limit],
    );
  }

  /** Register entries under these credit codes or with these reduced names. */
  async candidates(
    codes: readonly string[],
    nameKeys: readonly string[],
  ): Promise<(RegisterEntry & { nameKey: string })[]> {
    return this.dataSource.query(
      `SELECT credit_code AS "creditCode", name, registered_address AS "registeredAddress", status, name_key AS "nameKey"
         FROM registry_entity WHERE credit_code = ANY($1::varchar[]) OR name_key = ANY($2::varchar[])`,
      [codes, nameKeys],
    );
  }

  /**
   * Saves results landed here; each that differs from the one held takes a new position in the
   * landing feed. Returns how many did (and so are to be sent to the regions that reported them).
   */
  async save(rows: readonly LandingRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      await lockFeed(manager, 'landing');
      // Under the lock no other writer takes positions: the new ones are those past the newest now.
      const seq = await newestPosition(manager, 'registry_landing');
      const positions = await this.upsert(manager, rows, null);
      return positions.filter((position) => BigInt(position) > BigInt(seq)).length;
    });
  }

  /**
   * Saves results returned by the node of `landedBy`, each with its signed record and proof. A
   * result of a record older than the shop held now (the shop changed after the batch its record
   * came in was read) is kept as outdated until the result of the current one comes.
   */
  async saveReturned(
    manager: EntityManager,
    landedBy: string,
    batchId: string,
    rows: readonly (LandingRow & {
      shopBatch: string | null;
      landedAt: string;
      record: object;
      index: number;
      proof: readonly string[];
    })[],
  ): Promise<void> {
    // Every writer of the table takes the feed's lock, so that positions show in commit order.
    await lockFeed(manager, 'landing');
    await this.upsert(manager, rows, { landedBy, batchId });
  }

  /**
   * Stores results, each replacing the one held for its shop whoever landed that: a result is
   * only ever offered for the shop's current home (landed here: at home here; returned: checked to
   * come from the region the shop is at home in), which may have changed since the last one (a
   * city's node joining under its province's, a later report naming another operator).
   */
  private async upsert(
    manager: EntityManager,
    rows: readonly (LandingRow & {
      shopBatch?: string | null;
      landedAt?: string;
      record?: object;
      index?: number;
      proof?: readonly string[];
    })[],
    returned: { landedBy: string; batchId: string } | null,
  ): Promise<string[]> {
    // One JSON array for the batch (signed records and proofs nested in it as they are).
    const saved: { change_seq: string }[] = await manager.query(
      `INSERT INTO registry_landing (platform, url, outcome, credit_code, differing, candidates, abnormal, shop_hash,
         landed_at, landed_by, batch_id, record, batch_index, proof, shop_seq, outdated, claimed_name_key,
         candidate_codes)
       SELECT p, u, o, c, d, k, a, h, coalesce(t, now()), $2::varchar, $3, r, i, f, q,
              -- Read up to its position, the batch the record was sent in held the shop as it is
              -- now, unless the shop has taken a later position since.
              coalesce((SELECT s.change_seq > b.position
                          FROM registry_sync_batch b, registry_shop s
                         WHERE b.id = x.b AND b.direction = 'out' AND b.kind = 'shop' AND b.peer = $2::varchar
                           AND s.platform = x.p AND s.url = x.u AND s.origin IS NULL), false),
              n, (SELECT array_agg(v) FROM jsonb_array_elements_text(x.cc) AS v)
         FROM json_to_recordset($1::json)
           AS x(p varchar, u varchar, o varchar, c varchar, d jsonb, k jsonb, a boolean, h varchar,
                t timestamptz, r jsonb, i integer, f jsonb, q bigint, b uuid, n varchar, cc jsonb)
       ON CONFLICT (platform, url) DO UPDATE SET outcome = excluded.outcome, credit_code = excluded.credit_code,
         differing = excluded.differing, candidates = excluded.candidates, abnormal = excluded.abnormal,
         shop_hash = excluded.shop_hash, batch_id = excluded.batch_id,
         record = excluded.record, batch_index = excluded.batch_index, proof = excluded.proof,
         shop_seq = coalesce(excluded.shop_seq, registry_landing.shop_seq), landed_by = excluded.landed_by,
         outdated = excluded.outdated, claimed_name_key = excluded.claimed_name_key,
         candidate_codes = excluded.candidate_codes,
         -- A shop landed here again with the same result (its register entry changed in a field
         -- landing does not look at, say) keeps its result as it was sent: no new position.
         landed_at = CASE WHEN ${SAME_LOCAL_RESULT} THEN registry_landing.landed_at ELSE excluded.landed_at END,
         change_seq = CASE WHEN ${SAME_LOCAL_RESULT} THEN registry_landing.change_seq
                           ELSE nextval('registry_landing_change_seq') END
       RETURNING change_seq`,
      [
        JSON.stringify(
          rows.map((r) => ({
            p: r.platform,
            u: r.url,
            o: r.outcome,
            c: r.creditCode,
            d: r.differing ?? null,
            k: r.candidates ?? null,
            a: r.abnormal,
            h: r.shopHash,
            t: r.landedAt ?? null,
            r: r.record ?? null,
            i: r.index ?? null,
            f: r.proof ?? null,
            q: r.shopSeq ?? null,
            b: r.shopBatch ?? null,
            n: r.claimedNameKey ?? null,
            cc: r.candidateCodes ?? null,
          })),
        ),
        returned?.landedBy ?? null,
        returned?.batchId ?? null,
      ],
    );
    return saved.map((row) => row.change_seq);
  }

  /** Results landed here for shops received from `origin`, changed after feed position `after`, in feed order. */
  feed(
    origin: string,
    after: string,
    limit: number,
  ): Promise<(LandingRow & { shopBatch: string; landedAt: Date; changeSeq: string })[]> {
    // A result of a record since replaced here is not sent: the new record's lands later, at a
    // later position, and replaces it.
    return this.dataSource.query(
      `SELECT l.platform, l.url, l.outcome, l.credit_code AS "creditCode", l.differing, l.candidates, l.abnormal,
              l.shop_hash AS "shopHash", s.import_id AS "shopBatch", l.landed_at AS "landedAt",
              l.change_seq AS "changeSeq"
         FROM registry_landing l JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url
        WHERE l.change_seq > $2::bigint AND l.landed_by IS NULL AND s.origin = $1
          AND l.shop_hash = s.content_hash
        ORDER BY l.change_seq
        LIMIT $3`,
      [origin, after, limit],
    );
  }

  /**
   * Landing results with this outcome (all when null), newest first, with the shop's identity:
   * `landedBy` is the region that returned the result (null: landed here), `reportedBy` the region
   * a landed shop came from (null: reported here), `batchId` the signed batch a returned result came in.
   */
  list(
    outcome: string | null,
    limit: number,
    seller: 'registered' | 'unregistered' | null = null,
  ): Promise<Record<string, unknown>[]> {
    return this.dataSource.query(
      `SELECT l.platform, l.url, s.shop_id AS "shopId", s.shop_name AS "shopName", s.operator_name AS "operatorName",
              s.exemption_ground AS "exemptionGround",
              l.outcome, l.credit_code AS "creditCode", l.differing, l.candidates, l.abnormal, l.outdated,
              l.landed_at AS "landedAt",
              l.landed_by AS "landedBy", s.origin AS "reportedBy", l.batch_id AS "batchId"
         FROM registry_landing l JOIN registry_shop s ON s.platform = l.platform AND s.url = l.url
        WHERE ($1::text IS NULL OR l.outcome = $1)
          AND ($3::text IS NULL OR (s.exemption_ground IS NOT NULL) = ($3 = 'unregistered'))
        ORDER BY l.landed_at DESC, l.platform, l.url
        LIMIT $2`,
      [outcome, limit, seller],
    );
  }
}

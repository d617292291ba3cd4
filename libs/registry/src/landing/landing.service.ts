import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  landOperator,
  nestedPrefixes,
  normalizeEntityText,
  regionPrefix,
  type RegisterEntry,
} from '@regulink/domain';
import { PeersService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import { MetricsService } from '@regulink/metrics';
import { isTransientDatabaseError, TableStatistics } from '@regulink/persistence';
import { characterCount } from '@regulink/protocol';
import { NAME_KEY_CHARS } from '../register/market-entity-line';
import { ShopRepository } from '../shops/shop.repository';
import { SyncService } from '../sync/sync.service';
import { LandingRepository, type LandingRow, type ShopToLand } from './landing.repository';

const BATCH = 1000;
/** How long after a failed landing round the next one runs (and how often while shops failed to land). */
const RETRY_MS = 30_000;

/** What landing some shops came to: results by outcome, how many changed, how many shops failed. */
interface Landed {
  outcomes: Record<string, number>;
  changed: number;
  failed: number;
}

/** A round's report: shops landed (by outcome) and shops that failed to land, held to be tried again. */
export interface RoundReport {
  readonly landed: number;
  readonly outcomes: Record<string, number>;
  readonly failed: number;
}

/**
 * Lands the shops whose operators are at home in this node's region on its own register, and
 * keeps one result per shop: each shop is landed again when its record changes, and when the
 * register entry it claims, or landed on, is registered or changes.
 */
@Injectable()
export class LandingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LandingService.name);

  /** Landing rounds run one after another, never side by side. */
  private rounds: Promise<unknown> = Promise.resolve();
  /** A background round is queued and has not started yet. */
  private queued = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Shops are held as failed to land: a shop that lands is cleared from them. */
  private failuresHeld = false;

  constructor(
    private readonly landings: LandingRepository,
    private readonly peers: PeersService,
    private readonly identity: NodeIdentityService,
    private readonly sync: SyncService,
    private readonly shops: ShopRepository,
    private readonly statistics: TableStatistics,
    private readonly metrics: MetricsService,
  ) {}

  /** At start: what was received or imported but not landed before a stop is landed now. */
  onApplicationBootstrap(): void {
    this.landSoon();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  /** Lands what is waiting, in the background (after an import or a received batch); a failed round is tried again. */
  landSoon(): void {
    if (this.queued || this.stopped) return;
    this.queued = true;
    this.landLocal().catch((error: unknown) => {
      this.logger.error({ err: error }, `landing failed; trying again in ${RETRY_MS / 1000} s`);
      this.again();
    });
  }

  /** Runs a round in the background a while from now. */
  private again(): void {
    clearTimeout(this.retry);
    if (!this.stopped) this.retry = setTimeout(() => this.landSoon(), RETRY_MS);
  }

  /**
   * Lands every shop at home here not landed since it last changed, after any round under way;
   * returns how many, by outcome.
   */
  landLocal(): Promise<RoundReport> {
    const round = this.rounds.then(async () => {
      this.queued = false;
      // One round at a time on the node's database, whichever replica runs it: two side by side
      // could save a result read from the register before a change over the one read after it.
      const done = await this.landings.oneRoundAtATime(
        (stillHeld) => this.landRound(stillHeld),
        () => this.stopped,
      );
      return done ?? { landed: 0, outcomes: {}, failed: 0 };
    });
    this.rounds = round.catch(() => undefined);
    return round;
  }

  /** One round; `stillHeld` throws once the round's lock is lost (it is called before each batch). */
  private async landRound(stillHeld: () => Promise<void>): Promise<RoundReport> {
    const own = regionPrefix(this.identity.region);
    // Peers whose regions lie inside this one (a city node under a province node) take their part.
    const carvedOut = nestedPrefixes(this.identity.region, await this.peers.regions());
    this.failuresHeld = (await this.landings.failureCount()) > 0;
    const done: Landed = { outcomes: {}, changed: 0, failed: 0 };
    /** Shops that failed to land in this round: not tried again before the next. */
    const failedNow = new Set<string>();
    const land = async (shops: readonly ShopToLand[]) => {
      await stillHeld();
      const part = await this.land(shops, failedNow);
      add(done, part);
    };
    // From where the last round got to, up to the newest shop now; shops at home elsewhere in
    // between are passed over once.
    let after = await this.landings.progress('shop');
    const until = await this.shops.newest();
    for (;;) {
      const shops = await this.landings.shopsToLand(own, carvedOut, after, until, BATCH);
      if (shops.length === 0) break;
      await land(shops);
      after = shops[shops.length - 1]!.changeSeq;
      await this.landings.saveProgress('shop', after);
    }
    await this.landings.saveProgress('shop', until);
    // Then the register: the shops on the entries registered or changed since the last round are
    // landed again (an operator deregistered, or registered after its shop was landed not-found).
    let entriesAfter = await this.landings.progress('register');
    const entriesUntil = await this.landings.newestEntry();
    for (;;) {
      const entries = await this.landings.changedEntries(entriesAfter, entriesUntil, BATCH);
      if (entries.length === 0) break;
      await land(
        await this.landings.shopsOnEntries(
          own,
          carvedOut,
          entries.map((e) => e.creditCode),
          [...new Set(entries.map((e) => e.nameKey))],
          until,
        ),
      );
      entriesAfter = entries[entries.length - 1]!.changeSeq;
      await this.landings.saveProgress('register', entriesAfter);
    }
    // Then the shops that failed to land before, those due to be tried again.
    if (this.failuresHeld) {
      const due = await this.landings.dueFailures(own, carvedOut, BATCH);
      await land(due.filter((shop) => !failedNow.has(keyOf(shop))));
    }
    const { outcomes, changed, failed } = done;
    const landed = Object.values(outcomes).reduce((sum, count) => sum + count, 0);
    if (landed > 0) this.logger.log({ landed, changed, outcomes, failed }, 'landed shops at home here');
    // Results for shops received from other regions go back to them (those that came out as
    // they were are not sent again).
    if (changed > 0) this.sync.announce('landing');
    if (this.failuresHeld && (await this.landings.failureCount()) > 0) this.again();
    return { landed, outcomes, failed };
  }

  /**
   * Lands these shops on the register as it is now and saves their results. A batch that an error
   * of its data stops (not one of the moment: a timeout, a deadlock, the database away) is halved
   * until the shops that fail alone are found: those are held as failed, to be tried again, and
   * the others land.
   */
  private async land(shops: readonly ShopToLand[], failedNow: Set<string>): Promise<Landed> {
    const done: Landed = { outcomes: {}, changed: 0, failed: 0 };
    for (let start = 0; start < shops.length; start += BATCH) {
      add(done, await this.landIsolating(shops.slice(start, start + BATCH), failedNow));
    }
    return done;
  }

  private async landIsolating(part: readonly ShopToLand[], failedNow: Set<string>): Promise<Landed> {
    try {
      const landed = await this.landBatch(part);
      // Shops that failed before and land now are no longer held as failed.
      if (this.failuresHeld) await this.landings.clearFailures(part);
      return landed;
    } catch (error) {
      // A failure of the moment (a timeout behind a lock, a deadlock, the database away) fails the
      // round, tried again whole: only an error of the data is looked for shop by shop.
      if (this.stopped || isTransientDatabaseError(error)) throw error;
      if (part.length > 1) {
        const half = Math.ceil(part.length / 2);
        const first = await this.landIsolating(part.slice(0, half), failedNow);
        return add(first, await this.landIsolating(part.slice(half), failedNow));
      }
      const shop = part[0]!;
      failedNow.add(keyOf(shop));
      const reason = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
      const [first] = await this.landings.recordFailures([
        { platform: shop.platform, url: shop.url, reason },
      ]);
      this.failuresHeld = true;
      this.metrics.landingFailures.inc();
      const shopKey = { platform: shop.platform, url: shop.url };
      if (first) this.logger.error({ ...shopKey, err: error }, 'a shop failed to land; the others landed');
      else this.logger.warn({ ...shopKey, reason }, 'a shop failed to land again');
      return { outcomes: {}, changed: 0, failed: 1 };
    }
  }

  /** Lands one batch of shops and saves their results, in one transaction. */
  private async landBatch(part: readonly ShopToLand[]): Promise<Landed> {
    const outcomes: Record<string, number> = {};
    const claimedKeys = part.map((s) => normalizeEntityText(s.operatorName));
    const codes = part.flatMap((s) => (s.operatorCreditCode ? [s.operatorCreditCode] : []));
    const names = part.flatMap((s, i) => (s.operatorCreditCode ? [] : [claimedKeys[i]!]));
    const entries = await this.landings.candidates(codes, names);
    const byCode = new Map(entries.map((e) => [e.creditCode, e]));
    // A claimed code on no entry here (a typo, say): the entity of the claimed name may be the one.
    const unknown = part.flatMap((s, i) =>
      s.operatorCreditCode && !byCode.has(s.operatorCreditCode) ? [claimedKeys[i]!] : [],
    );
    if (unknown.length > 0) {
      const namesakes = await this.landings.candidates([], unknown);
      const held = new Set(entries.map((e) => e.creditCode));
      entries.push(...namesakes.filter((e) => !held.has(e.creditCode)));
    }
    const byName = new Map<string, RegisterEntry[]>();
    for (const e of entries) byName.set(e.nameKey, [...(byName.get(e.nameKey) ?? []), e]);
    const rows: LandingRow[] = part.map((shop, i) => {
      const claim = {
        creditCode: shop.operatorCreditCode,
        name: shop.operatorName,
        address: shop.operatingAddress,
      };
      const entry = shop.operatorCreditCode ? byCode.get(shop.operatorCreditCode) : undefined;
      const candidates = entry ? [entry] : (byName.get(claimedKeys[i]!) ?? []);
      const result = landOperator(claim, candidates);
      outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
      return {
        platform: shop.platform,
        url: shop.url,
        outcome: result.outcome,
        creditCode: 'creditCode' in result ? result.creditCode : null,
        differing: result.outcome === 'mismatch' ? result.differing : null,
        candidates: result.outcome === 'ambiguous' ? result.candidates : null,
        abnormal: 'abnormal' in result ? result.abnormal : false,
        shopHash: shop.contentHash,
        shopSeq: shop.changeSeq,
        // Looked for by name (no code, or one on no entry here): a namesake registered later
        // counts. A name longer than any register entry's key can match none (NFKC may make a
        // name longer: ㍿ is 株式会社).
        claimedNameKey: entry || characterCount(claimedKeys[i]!) > NAME_KEY_CHARS ? null : claimedKeys[i]!,
        candidateCodes: result.outcome === 'ambiguous' ? result.candidates.map((c) => c.creditCode) : null,
      };
    });
    const changed = await this.landings.save(rows);
    this.statistics.grew('registry_landing', rows.length);
    return { outcomes, changed, failed: 0 };
  }

  list(outcome: string | null, limit: number, seller: 'registered' | 'unregistered' | null = null) {
    return this.landings.list(outcome, limit, seller);
  }

  failures(limit: number) {
    return this.landings.failures(limit);
  }
}

/** Adds what `more` landed to `total`; returns `total`. */
function add(total: Landed, more: Landed): Landed {
  for (const [outcome, count] of Object.entries(more.outcomes)) {
    total.outcomes[outcome] = (total.outcomes[outcome] ?? 0) + count;
  }
  total.changed += more.changed;
  total.failed += more.failed;
  return total;
}

function keyOf(shop: { platform: string; url: string }): string {
  return `${shop.platform}\n${shop.url}`;
}

import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { NodeIdentityService } from '@regulink/identity';
import {
  appendLeaves,
  appendPlan,
  canonicalJson,
  consistencyPlan,
  consistencyProofFrom,
  hashToBase64Url,
  hashesEqual,
  importPublicKey,
  readTreeHead,
  StoredHashMap,
  inclusionPlan,
  inclusionProofFrom,
  leafHash,
  mergePlans,
  rootFrom,
  rootPlan,
  signTreeHead,
  treeHeadKid,
  verifyTreeHead,
  type StoredNode,
  type TreeHead,
} from '@regulink/protocol';
import { WriteBatcher } from '@regulink/persistence';
import { CompanionConflict, type AuditCompanion } from './audit-companion';
import { AuditErrorCode, AuditException } from './audit.exception';
import { AuditTreeHeadEntity } from './audit-tree-head.entity';
import { AuditRepository, type CompanionRows, type EntryRow } from './audit.repository';

export type AuditKind = 'envelope-in' | 'envelope-out' | 'receipt-in' | 'receipt-out';

/** What an entry records: an envelope or receipt, by digest, and what happened to it. */
export interface AuditRecord {
  readonly kind: AuditKind;
  readonly messageId: string | null;
  /** SHA-256 (base64url) of the compact JWS the entry is about. */
  readonly digest: string;
  readonly peer: string | null;
  readonly type: string | null;
  readonly status: string;
  readonly code: string | null;
}

export interface SignedTreeHead {
  readonly size: number;
  readonly root: string;
  readonly jws: string;
}

/** An entry as it will be stored, hashed when it is appended (while earlier batches are being written). */
interface Leaf {
  readonly kind: AuditKind;
  readonly messageId: string | null;
  readonly data: string;
  readonly leafHash: Uint8Array;
}

/** One caller's entries, with the companion row written with them, if any. */
interface Append {
  readonly leaves: readonly Leaf[];
  readonly companion?: { readonly companion: AuditCompanion<unknown>; readonly row: unknown };
}

/** Appends that arrive while a batch is being written go into the next batch, up to this many entries. */
const MAX_BATCH = 5000;
/** Tries of one batch when other replicas keep appending first. */
const MAX_ATTEMPTS = 20;

/** The end of the log: its size and the stored hashes the next append needs. */
interface Tip {
  readonly size: number;
  readonly hashes: StoredHashMap;
}

/** The end of the log after a batch, from what this writer already holds; undefined if something is missing. */
function nextTip(tip: Tip, entries: readonly EntryRow[], nodes: readonly StoredNode[]): Tip | undefined {
  const size = tip.size + entries.length;
  const plan = appendPlan(size);
  const fresh = StoredHashMap.of(
    entries.map((e) => ({ index: e.seq, hash: e.leafHash })),
    nodes,
  );
  const hashes = new StoredHashMap();
  for (const index of plan.leaves) {
    const hash = fresh.leaf(index) ?? tip.hashes.leaf(index);
    if (!hash) return undefined;
    hashes.addLeaf(index, hash);
  }
  for (const { level, index } of plan.nodes) {
    const hash = fresh.node(level, index) ?? tip.hashes.node(level, index);
    if (!hash) return undefined;
    hashes.addNode(level, index, hash);
  }
  return { size, hashes };
}

/** The companion rows of a batch's appends, one group per companion, in order of their names. */
function companionRows(appends: readonly Append[]): CompanionRows[] {
  const groups = new Map<string, { companion: AuditCompanion<unknown>; rows: unknown[] }>();
  for (const { companion } of appends) {
    if (!companion) continue;
    let group = groups.get(companion.companion.name);
    if (!group) groups.set(companion.companion.name, (group = { companion: companion.companion, rows: [] }));
    group.rows.push(companion.row);
  }
  return [...groups.values()].sort((a, b) => (a.companion.name < b.companion.name ? -1 : 1));
}

/**
 * The tamper-evident log of every envelope and receipt in and out (RFC 9162 Merkle tree). Appends
 * from concurrent callers are grouped: one transaction hashes and writes a whole batch, which is
 * what makes the log keep up with the exchanges. Signed tree heads commit the node to its log.
 */
@Injectable()
export class AuditLog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditLog.name);
  /** Appends from concurrent callers, written a batch at a time. */
  private readonly batches = new WriteBatcher<Append, number[] | null>((items) => this.writeBatch(items), {
    maxWeight: MAX_BATCH,
    weight: (append) => append.leaves.length,
  });
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((head: SignedTreeHead) => void)[] = [];
  /** Held between batches; cleared whenever a write fails or is refused. */
  private tip: Tip | undefined;

  constructor(
    private readonly repository: AuditRepository,
    private readonly identity: NodeIdentityService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      void this.signTreeHeadIfGrown().catch((error: unknown) =>
        this.logger.error({ err: error }, 'signing a tree head failed'),
      );
    }, this.config.federation.treeHeadIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.batches.settledSoFar();
  }

  /** Appends entries durably; resolves with their leaf indexes once the batch holding them is committed. */
  append(records: readonly AuditRecord[]): Promise<number[]> {
    if (records.length === 0) return Promise.resolve([]);
    return this.batches.submit({ leaves: this.leaves(records) }) as Promise<number[]>;
  }

  /**
   * Appends entries together with a row of another table, in the same statement and commit (see
   * {@link AuditCompanion}). Resolves with their leaf indexes, or with null when the row's key was
   * already taken: then neither the row nor the entries were written.
   */
  appendWith<R>(
    records: readonly AuditRecord[],
    companion: AuditCompanion<R>,
    row: R,
  ): Promise<number[] | null> {
    if (records.length === 0)
      return Promise.reject(new TypeError('a companion row needs entries to go with'));
    return this.batches.submit({
      leaves: this.leaves(records),
      companion: { companion: companion as AuditCompanion<unknown>, row },
    });
  }

  private leaves(records: readonly AuditRecord[]): Leaf[] {
    const at = new Date().toISOString();
    const node = this.identity.region;
    return records.map((record): Leaf => {
      const data = canonicalJson({ v: 1, node, ...record, at });
      return { kind: record.kind, messageId: record.messageId, data, leafHash: leafHash(Buffer.from(data)) };
    });
  }

  /** Called with each tree head this node signs (the federation sends them to peers). */
  onTreeHead(listener: (head: SignedTreeHead) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Writes the entries of several appends as one batch, with their companion rows; each append gets
   * its own leaf indexes back, or null when its companion row was already recorded.
   */
  private async writeBatch(appends: readonly Append[]): Promise<(number[] | null)[]> {
    let kept: readonly (Append | null)[] = appends;
    let written: EntryRow[];
    try {
      written = await this.write(
        appends.flatMap((a) => a.leaves),
        companionRows(appends),
      );
    } catch (error) {
      if (!(error instanceof CompanionConflict)) throw error;
      // A companion row's key is taken (a copy of it recorded before, or in this same batch), and
      // nothing was written: the rows go in on their own first, skipping those already there, then
      // the entries of the appends whose row was new.
      const fresh = await this.insertNewCompanions(appends);
      kept = appends.map((a, i) => (fresh[i] ? a : null));
      written = await this.write(
        kept.flatMap((a) => a?.leaves ?? []),
        [],
      );
    }
    let offset = 0;
    return kept.map((append) => {
      if (!append) return null;
      const seqs = written.slice(offset, offset + append.leaves.length).map((e) => e.seq);
      offset += append.leaves.length;
      return seqs;
    });
  }

  /** Whether each append's companion row was new (true for an append without one), written on its own. */
  private async insertNewCompanions(appends: readonly Append[]): Promise<boolean[]> {
    const fresh = appends.map(() => true);
    for (const { companion, rows } of companionRows(appends)) {
      const indexes = appends.flatMap((a, i) => (a.companion?.companion.name === companion.name ? [i] : []));
      const written = await this.repository.insertNew(companion, rows);
      indexes.forEach((index, j) => (fresh[index] = written[j]!));
    }
    return fresh;
  }

  /**
   * Adds a batch of hashed entries to the end of the log and writes it in one statement. The end of the log (its
   * size and the hashes an append needs) is kept from the last batch; when another replica wrote
   * meanwhile, the write is refused as a whole and the end is read again from the database.
   */
  private async write(leaves: readonly Leaf[], companions: readonly CompanionRows[]): Promise<EntryRow[]> {
    if (leaves.length === 0) return [];
    for (let attempt = 1; ; attempt++) {
      const tip = (this.tip ??= await this.readTip());
      const entries: EntryRow[] = leaves.map((leaf, i) => ({ seq: tip.size + i, ...leaf }));
      const outcome = appendLeaves(
        tip.size,
        entries.map((e) => e.leafHash),
        tip.hashes,
      );
      this.tip = undefined;
      let inserted;
      try {
        inserted = await this.repository.insertBatch(entries, outcome.nodes, companions);
      } catch (error) {
        // Nothing was written: the end of the log is still where it was.
        if (error instanceof CompanionConflict) this.tip = tip;
        throw error;
      }
      if (inserted) {
        this.tip = nextTip(tip, entries, outcome.nodes);
        return entries;
      }
      if (attempt === MAX_ATTEMPTS) {
        throw new Error(`the audit log kept moving under this writer (${attempt} attempts)`);
      }
    }
  }

  private async readTip(): Promise<Tip> {
    const size = await this.repository.size();
    return { size, hashes: await this.repository.fetch(appendPlan(size)) };
  }

  async size(): Promise<number> {
    await this.batches.settledSoFar();
    return this.repository.size();
  }

  /** Signs a tree head over the log as it is now, and tells the listeners. */
  async signTreeHead(): Promise<SignedTreeHead> {
    await this.batches.settledSoFar();
    const size = await this.repository.size();
    const root = hashToBase64Url(rootFrom(size, await this.repository.fetch(rootPlan(size))));
    const signedAt = new Date();
    const jws = await signTreeHead(
      { v: 1, region: this.identity.region, size, root, signedAt: signedAt.toISOString() },
      this.identity.signer(),
    );
    await this.repository.saveTreeHead(
      Object.assign(new AuditTreeHeadEntity(), { size: String(size), root, jws, signedAt }),
    );
    const head = { size, root, jws };
    for (const listener of this.listeners) listener(head);
    return head;
  }

  /**
   * The newest tree head this node signed. Its size and root are read from the signed head itself:
   * the columns beside it only index it, and an edit of them changes nothing a peer is told.
   */
  async latestTreeHead(): Promise<SignedTreeHead | undefined> {
    const head = await this.repository.latestTreeHead();
    if (!head) return undefined;
    const signed = readTreeHead(head.jws);
    return signed
      ? { size: signed.size, root: signed.root, jws: head.jws }
      : { size: Number(head.size), root: head.root, jws: head.jws };
  }

  private async signTreeHeadIfGrown(): Promise<void> {
    const [latest, size] = await Promise.all([this.repository.latestTreeHead(), this.repository.size()]);
    if (!latest || Number(latest.size) < size) await this.signTreeHead();
  }

  /** An entry with its inclusion proof in the tree of `size` entries (the latest signed size by default). */
  async inclusionProof(
    index: number,
    size?: number,
  ): Promise<{ index: number; size: number; data: string; kind: string; proof: string[] }> {
    const treeSize = size ?? (await this.latestTreeHead())?.size ?? (await this.size());
    if (size !== undefined) {
      const logSize = await this.size();
      if (!Number.isSafeInteger(size) || size > logSize)
        throw new AuditException(
          AuditErrorCode.OutOfRange,
          `no tree of ${size} entries: the log holds ${logSize}`,
        );
    }
    if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
      throw new AuditException(
        AuditErrorCode.OutOfRange,
        `entry ${index} is not in a tree of ${treeSize} entries`,
      );
    }
    const entry = await this.repository.entry(index);
    if (!entry) throw new AuditException(AuditErrorCode.OutOfRange, `no entry ${index}`);
    const hashes = await this.repository.fetch(inclusionPlan(index, treeSize));
    return {
      index,
      size: treeSize,
      data: entry.data,
      kind: entry.kind,
      proof: inclusionProofFrom(index, treeSize, hashes).map(hashToBase64Url),
    };
  }

  /** Proof that the tree of `from` entries is a prefix of the tree of `to` entries, with both roots. */
  async consistencyProof(
    from: number,
    to: number,
  ): Promise<{ from: number; to: number; fromRoot: string; toRoot: string; proof: string[] }> {
    const size = await this.size();
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from > to || to > size) {
      throw new AuditException(
        AuditErrorCode.OutOfRange,
        `no consistency proof from ${from} to ${to} (log size ${size})`,
      );
    }
    const hashes = await this.repository.fetch(
      mergePlans(consistencyPlan(from, to), rootPlan(from), rootPlan(to)),
    );
    return {
      from,
      to,
      fromRoot: hashToBase64Url(rootFrom(from, hashes)),
      toRoot: hashToBase64Url(rootFrom(to, hashes)),
      proof: consistencyProofFrom(from, to, hashes).map(hashToBase64Url),
    };
  }

  /**
   * Recomputes the whole log from the entries' data: every leaf hash, every stored interior hash,
   * and the root of every tree head this node signed. Any edit of a stored row shows up here.
   */
  async verify(): Promise<{ entries: number; treeHeads: number; problems: string[] }> {
    await this.batches.settledSoFar();
    const problems: string[] = [];
    const leaves: Uint8Array[] = [];
    for (let from = 0; ;) {
      const page = await this.repository.entryPage(from, 10_000);
      for (const entry of page) {
        if (entry.seq !== leaves.length) problems.push(`entry ${leaves.length} is missing`);
        const computed = leafHash(Buffer.from(entry.data));
        if (!hashesEqual(computed, entry.leafHash))
          problems.push(`entry ${entry.seq}: its data does not match its leaf hash`);
        leaves.push(computed);
      }
      if (page.length < 10_000) break;
      from = page[page.length - 1]!.seq + 1;
    }
    const rebuilt = appendLeaves(0, leaves, new StoredHashMap());
    const expected = new Map(rebuilt.nodes.map((n) => [`${n.level}:${n.index}`, n.hash]));
    const stored = await this.repository.allNodes();
    for (const node of stored) {
      const hash = expected.get(`${node.level}:${node.index}`);
      if (!hash || !hashesEqual(hash, node.hash))
        problems.push(`stored node ${node.level}:${node.index} does not match the entries`);
    }
    if (stored.length !== expected.size)
      problems.push(`${expected.size} interior nodes expected, ${stored.length} stored`);
    const all = StoredHashMap.of(
      leaves.map((hash, index) => ({ index, hash })),
      rebuilt.nodes,
    );
    const heads = await this.repository.allTreeHeads();
    for (const head of heads) {
      // What counts is what the head says under this node's signature, not the columns beside it.
      const signed = await this.ownSignedHead(head.jws);
      if (typeof signed === 'string') {
        problems.push(`tree head stored at size ${head.size}: ${signed}`);
        continue;
      }
      const size = signed.size;
      if (String(size) !== String(head.size) || signed.root !== head.root)
        problems.push(`tree head of size ${size}: its stored size or root differs from the signed one`);
      if (size > leaves.length) {
        problems.push(`signed tree head of size ${size} is larger than the log`);
        continue;
      }
      if (hashToBase64Url(rootFrom(size, all)) !== signed.root)
        problems.push(`signed tree head of size ${size} does not match the entries`);
    }
    return { entries: leaves.length, treeHeads: heads.length, problems };
  }

  /** A tree head signed by this node (any of its keys), checked; or why it is not one. */
  private async ownSignedHead(jws: string): Promise<TreeHead | string> {
    const kid = treeHeadKid(jws);
    const jwk = kid ? this.identity.publicKeys().find((k) => k.kid === kid) : undefined;
    if (!jwk) return 'it is not signed by a key of this node';
    try {
      const head = await verifyTreeHead(jws, await importPublicKey(jwk));
      return head.region === this.identity.region ? head : `it is signed for region ${head.region}`;
    } catch {
      return 'its signature does not verify';
    }
  }

  entriesForMessage(messageId: string): Promise<{ seq: number; kind: string; data: string }[]> {
    return this.repository.entriesForMessage(messageId);
  }
}

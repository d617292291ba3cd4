import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { RepeatedFailure } from './repeated-failure';
import type { DataSource } from 'typeorm';

/**
 * The channel on which the watched tables announce their changes: a statement-level trigger on
 * each (see the TableChangeNotices migration) notifies it with the table's name, in the changing
 * transaction, so PostgreSQL delivers it at commit to every session listening, on every replica
 * of the node, whoever made the change (the node, or an operator with psql).
 */
export const TABLE_CHANGED_CHANNEL = 'regulink_table_changed';

/** Tables whose reads may be held in memory: small, read by every request, rarely changed. */
export const WATCHED_TABLES = ['agreement', 'federation_peer', 'app_user'] as const;
export type WatchedTableName = (typeof WATCHED_TABLES)[number];

/** How long to wait before listening again after the listening connection failed. */
const RELISTEN_MS = 1_000;
/** Most reads held per table; past it the table's reads start over (a bound, not a cache policy). */
const MAX_HELD = 10_000;

/**
 * Reads of the watched tables held in memory until the table changes. Each table's held reads are
 * dropped when its change notice arrives, and a read that was under way at that moment is not
 * kept. While the node is not listening (at start, or its listening connection lost) nothing is
 * held: every read goes to the database.
 */
@Injectable()
export class TableWatch implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TableWatch');
  /** Lost connections in a row: each retried after RELISTEN_MS, logged as RepeatedFailure says. */
  private readonly listenFailures = new RepeatedFailure(
    this.logger,
    'listening for table changes (reading from the database meanwhile)',
  );
  /** The connection listening now (or trying to). */
  private listener: Client | null = null;
  private listening = false;
  private closed = false;
  private readonly held = new Map<string, Map<string, Promise<unknown>>>();
  private readonly listeners = new Map<string, Set<() => void>>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.held.clear();
    await this.listener?.end().catch(() => undefined);
  }

  /**
   * What `load` reads from `table` for `key`: held from an earlier call until the table changes.
   * `load` must read only `table`, and give the same answer for the same key.
   */
  read<V>(table: WatchedTableName, key: string, load: () => Promise<V>): Promise<V> {
    if (!this.listening) return load();
    let reads = this.held.get(table);
    if (!reads) this.held.set(table, (reads = new Map()));
    const found = reads.get(key);
    if (found) return found as Promise<V>;
    if (reads.size >= MAX_HELD) reads.clear();
    const read = load();
    reads.set(key, read);
    const held = reads;
    read.catch(() => {
      if (held.get(key) === read) held.delete(key);
    });
    return read;
  }

  /**
   * Drops what is held of `table`. The notice of a change comes a moment after its commit; a
   * change made by this process calls this once committed, so its own next read sees it.
   */
  changed(table: WatchedTableName): void {
    this.held.delete(table);
    this.tell(table);
  }

  /**
   * Calls `listener` after each change of `table` known here: its notice (a change by any replica
   * of the node), or a change this process made. A notice may come more than once for one change,
   * and none while the node is not listening. Returns what stops the calls.
   */
  onChange(table: WatchedTableName, listener: () => void): () => void {
    let listeners = this.listeners.get(table);
    if (!listeners) this.listeners.set(table, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  private tell(table: string | null): void {
    for (const [name, listeners] of this.listeners) {
      if (table !== null && name !== table) continue;
      for (const listener of listeners) {
        try {
          listener();
        } catch (error) {
          this.logger.error({ err: error, table: name }, 'a listener of table changes failed');
        }
      }
    }
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: (this.dataSource.options as { url?: string }).url });
    this.listener = client;
    client.on('notification', ({ payload }) => {
      if (payload) this.held.delete(payload);
      else this.held.clear();
      this.tell(payload || null);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${TABLE_CHANGED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error);
      return;
    }
    if (this.listener !== client) return;
    this.held.clear();
    this.listening = true;
    this.listenFailures.succeeded();
  }

  private lost(client: Client, error: unknown): void {
    // Once per connection: an error is followed by its end.
    if (this.listener !== client) return;
    this.listener = null;
    this.listening = false;
    this.held.clear();
    if (this.closed) return;
    this.listenFailures.failed(error);
    setTimeout(() => void this.listen(), RELISTEN_MS).unref();
  }
}

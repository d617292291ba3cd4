import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AGREEMENT_CHANGED_CHANNEL, AgreementRepository } from './agreement.repository';
import type { AgreementEntity } from './agreement.entity';

/** How long to wait before listening again after the listening connection failed. */
const RELISTEN_MS = 1_000;

/**
 * The agreements as every exchange checks them, held in memory: an exchange reads its agreement
 * several times (the sender's choice, the receiver's check, the field policy, the disclosure
 * mode), and agreements change rarely. Every change to the table notifies
 * `AGREEMENT_CHANGED_CHANNEL` in its own transaction, which PostgreSQL delivers at commit to every
 * replica of the node; each drops its copy then. A read that began before a change is not kept.
 * While the node is not listening (at start, or its listening connection lost), every read goes to
 * the database.
 */
@Injectable()
export class AgreementDirectory implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AgreementDirectory');
  /** The connection listening now (or trying to). */
  private listener: Client | null = null;
  private listening = false;
  private closed = false;
  /** Moves on at every change heard; a read made across a change is not kept. */
  private generation = 0;
  private held: { generation: number; agreements: Promise<AgreementEntity[]> } | null = null;

  constructor(
    private readonly agreements: AgreementRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.forget();
    await this.listener?.end().catch(() => undefined);
  }

  /** Every agreement, newest first. */
  all(): Promise<AgreementEntity[]> {
    if (!this.listening) return this.agreements.list();
    if (this.held?.generation === this.generation) return this.held.agreements;
    const generation = this.generation;
    const agreements = this.agreements.list();
    this.held = { generation, agreements };
    agreements.catch(() => {
      if (this.held?.agreements === agreements) this.held = null;
    });
    return agreements;
  }

  async find(id: string): Promise<AgreementEntity | null> {
    return (await this.all()).find((a) => a.id === id) ?? null;
  }

  /** Every agreement with both regions among its parties, newest first. */
  async between(a: string, b: string): Promise<AgreementEntity[]> {
    return (await this.all()).filter(
      (agreement) => agreement.parties.includes(a) && agreement.parties.includes(b),
    );
  }

  /** Drops the copy held (a change was made or heard). */
  forget(): void {
    this.generation++;
    this.held = null;
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: (this.dataSource.options as { url?: string }).url });
    this.listener = client;
    client.on('notification', () => this.forget());
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${AGREEMENT_CHANGED_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.lost(client, error);
      return;
    }
    if (this.listener !== client) return;
    this.forget();
    this.listening = true;
  }

  private lost(client: Client, error: unknown): void {
    // Once per connection: an error is followed by its end.
    if (this.listener !== client) return;
    this.listener = null;
    this.listening = false;
    this.forget();
    if (this.closed) return;
    this.logger.warn(
      { err: error },
      'not listening for agreement changes; reading agreements from the database',
    );
    setTimeout(() => void this.listen(), RELISTEN_MS).unref();
  }
}

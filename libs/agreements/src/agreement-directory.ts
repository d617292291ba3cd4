import { Injectable } from '@nestjs/common';
import { TableWatch } from '@regulink/persistence';
import { AgreementRepository } from './agreement.repository';
import type { AgreementEntity } from './agreement.entity';

/**
 * The agreements as every exchange checks them, held in memory: an exchange reads its agreement
 * several times (the sender's choice, the receiver's check, the field policy, the disclosure
 * mode), and agreements change rarely. The copy is dropped when the table announces a change at
 * commit (see {@link TableWatch}), on every replica of the node; while the node is not listening,
 * every read goes to the database.
 */
@Injectable()
export class AgreementDirectory {
  constructor(
    private readonly agreements: AgreementRepository,
    private readonly watch: TableWatch,
  ) {}

  /** Every agreement, newest first. */
  all(): Promise<AgreementEntity[]> {
    return this.watch.read('agreement', 'all', () => this.agreements.list());
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
}

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `federation_outbox.lease_token` names the claim that holds a message: only that claim settles
 * or reschedules it, so a worker whose lease ran out cannot overwrite the outcome (and receipt) of
 * the replica that took the message over.
 */
export class OutboxLeaseToken1796319700000 implements MigrationInterface {
  name = 'OutboxLeaseToken1796319700000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_outbox" ADD "lease_token" uuid`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_outbox" DROP COLUMN "lease_token"`);
  }
}

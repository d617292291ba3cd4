import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `registry_sync_cursor.pulling_by`, `pulling_until`, `pull_again`: the replica of the node pulling
 * a peer's feed now and until when it holds it, so that two replicas do not pull the same feed side
 * by side (the sender would sign batches for both, one of them thrown away); a request meanwhile
 * asks the holder to go round once more.
 */
export class SyncPullHolds1796320100000 implements MigrationInterface {
  name = 'SyncPullHolds1796320100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_sync_cursor" ADD "pulling_by" uuid`);
    await queryRunner.query(
      `ALTER TABLE "registry_sync_cursor" ADD "pulling_until" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "registry_sync_cursor" ADD "pull_again" boolean NOT NULL DEFAULT false`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_sync_cursor" DROP COLUMN "pull_again"`);
    await queryRunner.query(`ALTER TABLE "registry_sync_cursor" DROP COLUMN "pulling_until"`);
    await queryRunner.query(`ALTER TABLE "registry_sync_cursor" DROP COLUMN "pulling_by"`);
  }
}

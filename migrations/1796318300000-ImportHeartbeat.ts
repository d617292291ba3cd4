import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A running import carries its writer's lease and proof of life, so that a replica of the node no
 * longer takes another replica's live import for interrupted. A job already stored gets the time of
 * this migration as its last heartbeat: one still running (on a replica not yet upgraded, which
 * renews nothing) counts as interrupted once that is older than the limit, as it did at a restart.
 */
export class ImportHeartbeat1796318300000 implements MigrationInterface {
  name = 'ImportHeartbeat1796318300000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "registry_import" ADD "writer" uuid, ADD "heartbeat_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "registry_import" DROP COLUMN "heartbeat_at", DROP COLUMN "writer"`);
  }
}

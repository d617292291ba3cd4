import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `federation_peer.retired_keys`: when a peer retired each of its keys, as its node cards say, so
 * that a signature by a retired key dated after its retirement is refused. Peers held now start
 * with none (their cards were published before cards said so); their next card fills it.
 */
export class PeerRetiredKeys1796319900000 implements MigrationInterface {
  name = 'PeerRetiredKeys1796319900000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_peer" ADD "retired_keys" jsonb NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_peer" DROP COLUMN "retired_keys"`);
  }
}

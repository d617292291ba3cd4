import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `federation_peer_tree_head.conflicting_jws`: a second head a peer signed for a size already held,
 * with another root, kept as the signed proof that it presented two logs.
 */
export class PeerTreeHeadConflicts1796319800000 implements MigrationInterface {
  name = 'PeerTreeHeadConflicts1796319800000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_peer_tree_head" ADD "conflicting_jws" text`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "federation_peer_tree_head" DROP COLUMN "conflicting_jws"`);
  }
}

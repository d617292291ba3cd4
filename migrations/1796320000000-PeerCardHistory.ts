import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `federation_peer_card`: every card pinned for a peer, kept when a later one replaces it, so that
 * evidence of what a peer signed under an earlier card can still carry it. Starts with the cards
 * held now.
 */
export class PeerCardHistory1796320000000 implements MigrationInterface {
  name = 'PeerCardHistory1796320000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "federation_peer_card" ("region" character varying(6) NOT NULL, "digest" character varying(43) NOT NULL, "card_jws" text NOT NULL, "pinned_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_federation_peer_card" PRIMARY KEY ("region", "digest"))`,
    );
    await queryRunner.query(
      `INSERT INTO "federation_peer_card" ("region", "digest", "card_jws", "pinned_at")
       SELECT "region", rtrim(translate(encode(sha256(convert_to("card_jws", 'UTF8')), 'base64'), '+/', '-_'), '='),
              "card_jws", "updated_at"
         FROM "federation_peer"`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "federation_peer_card"`);
  }
}

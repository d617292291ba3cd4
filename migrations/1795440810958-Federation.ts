import { MigrationInterface, QueryRunner } from 'typeorm';

export class Federation1795440810958 implements MigrationInterface {
  name = 'Federation1795440810958';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "audit_entry" ("seq" bigint NOT NULL, "kind" character varying(16) NOT NULL, "message_id" uuid, "data" text NOT NULL, "leaf_hash" bytea NOT NULL, "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_bb4ea39cbd1686232d5fdda3a01" PRIMARY KEY ("seq"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_audit_entry_message" ON "audit_entry"  ("message_id") `);
    await queryRunner.query(
      `CREATE TABLE "audit_tree_head" ("size" bigint NOT NULL, "root" character varying(43) NOT NULL, "jws" text NOT NULL, "signed_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_6199ebdf40b64bb53b4ac261f36" PRIMARY KEY ("size"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "audit_node" ("level" smallint NOT NULL, "idx" bigint NOT NULL, "hash" bytea NOT NULL, CONSTRAINT "PK_bafff22c3e617b06407b2635353" PRIMARY KEY ("level", "idx"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_peer" ("region" character varying(6) NOT NULL, "name" character varying(100) NOT NULL, "api_endpoint" text NOT NULL, "federation_endpoint" text NOT NULL, "pinned_keys" jsonb NOT NULL, "card_jws" text NOT NULL, "allowed" boolean NOT NULL DEFAULT false, "imported_at" TIMESTAMP WITH TIME ZONE NOT NULL, "imported_by" character varying(64) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_7bc85721a91977d35e83880e2bd" PRIMARY KEY ("region"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_outbox" ("id" uuid NOT NULL, "to_region" character varying(6) NOT NULL, "type" character varying(64) NOT NULL, "digest" character varying(43) NOT NULL, "envelope" text NOT NULL, "status" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "next_attempt_at" TIMESTAMP WITH TIME ZONE NOT NULL, "lease_until" TIMESTAMP WITH TIME ZONE, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_error" text, "receipt" text, "receipt_code" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "settled_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b99ebe83b540668475205347308" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_federation_outbox_due" ON "federation_outbox"  ("status", "next_attempt_at") `,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_peer_tree_head" ("peer" character varying(6) NOT NULL, "size" bigint NOT NULL, "root" character varying(43) NOT NULL, "jws" text NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, "consistency" character varying(16) NOT NULL, "problem" text, "checked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_27e8a8c1dd2d1a3ea94e27af96a" PRIMARY KEY ("peer", "size"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "federation_inbox" ("id" uuid NOT NULL, "from_region" character varying(6) NOT NULL, "type" character varying(64) NOT NULL, "digest" character varying(43) NOT NULL, "envelope" text NOT NULL, "receipt" text NOT NULL, "response" text, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_93797e69b9d0777a57036eff30b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_federation_inbox_from" ON "federation_inbox"  ("from_region") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_federation_inbox_from"`);
    await queryRunner.query(`DROP TABLE "federation_inbox"`);
    await queryRunner.query(`DROP TABLE "federation_peer_tree_head"`);
    await queryRunner.query(`DROP INDEX "public"."ix_federation_outbox_due"`);
    await queryRunner.query(`DROP TABLE "federation_outbox"`);
    await queryRunner.query(`DROP TABLE "federation_peer"`);
    await queryRunner.query(`DROP TABLE "audit_node"`);
    await queryRunner.query(`DROP TABLE "audit_tree_head"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_entry_message"`);
    await queryRunner.query(`DROP TABLE "audit_entry"`);
  }
}

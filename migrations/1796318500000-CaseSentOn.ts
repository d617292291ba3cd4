import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cases stored before the rules knew the send's date get it from their first step (the signed
 * send, dated alike at both nodes), so that no later step may be dated before it there either.
 */
export class CaseSentOn1796318500000 implements MigrationInterface {
  name = 'CaseSentOn1796318500000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "case_item" c SET "facts" = jsonb_set(c."facts", '{sentOn}', to_jsonb(s."on"::text))
         FROM "case_step" s
        WHERE s."case_id" = c."id" AND s."seq" = 1 AND NOT (c."facts" ? 'sentOn')`,
    );
  }

  public async down(): Promise<void> {
    // The date stays: the rules read it, and it is the send's own.
  }
}

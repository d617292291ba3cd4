import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account remembers when its tokens were last revoked (its password set again, or the account
 * disabled); a token carries the value it had when issued, so every token issued before is refused.
 * Accounts already stored have none: their tokens stay good until their first revocation.
 */
export class UserTokensRevokedAt1796318461937 implements MigrationInterface {
  name = 'UserTokensRevokedAt1796318461937';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "app_user" ADD "tokens_revoked_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "app_user" DROP COLUMN "tokens_revoked_at"`);
  }
}

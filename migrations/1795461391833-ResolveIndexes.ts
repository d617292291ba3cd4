import { MigrationInterface, QueryRunner } from 'typeorm';

export class ResolveIndexes1795461391833 implements MigrationInterface {
  name = 'ResolveIndexes1795461391833';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_registry_landing_credit_code" ON "registry_landing"  ("credit_code") `,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_registry_shop_operator_credit_code" ON "registry_shop"  ("operator_credit_code") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_registry_shop_operator_credit_code"`);
    await queryRunner.query(`DROP INDEX "public"."ix_registry_landing_credit_code"`);
  }
}

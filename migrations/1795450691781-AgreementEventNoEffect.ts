import { MigrationInterface, QueryRunner } from 'typeorm';

export class AgreementEventNoEffect1795450691781 implements MigrationInterface {
  name = 'AgreementEventNoEffect1795450691781';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agreement_event" ADD "no_effect" character varying(64)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agreement_event" DROP COLUMN "no_effect"`);
  }
}

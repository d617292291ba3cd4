import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * How far landing has read the change feeds it follows: `shop`, the shop feed position
 * (`registry_shop.change_seq`) up to which the shops at home here have been landed; `register`, the
 * positions of the register entries (`registry_entity.change_seq`) whose shops have been landed
 * again since.
 */
@Entity('registry_landing_progress')
export class LandingProgressEntity {
  @PrimaryColumn('varchar', { length: 16, primaryKeyConstraintName: 'PK_registry_landing_progress' })
  feed!: string;

  @Column('bigint')
  position!: string;
}

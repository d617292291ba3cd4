import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A shop reported here whose operator stopped being at home where it was: the region of its former
 * home is told (a withdrawal in its shop feed) so that it lets go of the copy it was sent. Written
 * by the database itself (trigger `registry_shop_departed`) whenever a reported shop's home
 * division changes, whichever statement changes it: one that keeps the shop's feed position is
 * given a new one. Such a statement outside the node should take the shop feed's lock
 * (`lockFeed`), as the node's writers do, so that positions show in commit order.
 */
@Entity('registry_shop_departure')
@Index('ix_registry_shop_departure_shop', ['platform', 'url'])
export class ShopDepartureEntity {
  /** The shop feed position the move took: the withdrawal's place in the former home's feed. */
  @PrimaryColumn('bigint', { name: 'change_seq', primaryKeyConstraintName: 'PK_registry_shop_departure' })
  changeSeq!: string;

  @Column('varchar', { length: 64 })
  platform!: string;

  @Column('varchar', { length: 2000 })
  url!: string;

  /** The division where the operator was at home before. */
  @Column('varchar', { name: 'former_home', length: 6 })
  formerHome!: string;

  @Column('timestamptz', { name: 'departed_at', default: () => 'now()' })
  departedAt!: Date;
}

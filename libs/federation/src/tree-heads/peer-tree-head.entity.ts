import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ConsistencyStatus = 'unchecked' | 'consistent' | 'inconsistent';

/**
 * A tree head a peer signed over its audit log and sent here. Holding it means the peer cannot
 * later present a log that does not extend it without this node noticing.
 */
@Entity({ name: 'federation_peer_tree_head' })
export class PeerTreeHeadEntity {
  @PrimaryColumn({ type: 'varchar', length: 6 })
  peer!: string;

  @PrimaryColumn({ type: 'bigint' })
  size!: string;

  @Column({ type: 'varchar', length: 43 })
  root!: string;

  @Column({ type: 'text' })
  jws!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** Whether the peer proved this head extends the previous one this node holds. */
  @Column({ type: 'varchar', length: 16 })
  consistency!: ConsistencyStatus;

  @Column({ type: 'text', nullable: true })
  problem!: string | null;

  @Column({ name: 'checked_at', type: 'timestamptz', nullable: true })
  checkedAt!: Date | null;

  /**
   * A second head the peer signed for the same size with another root, kept as the signed proof
   * that it presented two logs (the head is then inconsistent).
   */
  @Column({ name: 'conflicting_jws', type: 'text', nullable: true })
  conflictingJws!: string | null;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** How far this node has pulled a peer's feed of one kind of record, and how the last pull went. */
@Entity('registry_sync_cursor')
export class SyncCursorEntity {
  @PrimaryColumn('varchar', { length: 6 })
  peer!: string;

  @PrimaryColumn('varchar', { length: 16 })
  kind!: string;

  /** The peer's feed position up to which everything has been received and stored. */
  @Column('bigint', { default: '0' })
  position!: string;

  /** Failed pulls in a row, for the backoff; 0 after a good one. */
  @Column('integer', { default: 0 })
  failures!: number;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'pulled_at', nullable: true })
  pulledAt!: Date | null;

  /**
   * The process (a replica of this node) pulling the feed now, and until when it holds it: the
   * others do not pull the same feed beside it, and ask it to go round once more instead.
   */
  @Column('uuid', { name: 'pulling_by', nullable: true })
  pullingBy!: string | null;

  @Column('timestamptz', { name: 'pulling_until', nullable: true })
  pullingUntil!: Date | null;

  /** Another replica asked for a pull while this one held the feed: it goes round once more. */
  @Column('boolean', { name: 'pull_again', default: false })
  pullAgain!: boolean;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A username's recent failed sign-ins and its lock, shared by the node's replicas (see LoginThrottle). */
@Entity('auth_sign_in_failure')
export class SignInFailureEntity {
  /** As the sign-in gave it, known or not (the answer never tells which). */
  @PrimaryColumn('varchar', { length: 64, primaryKeyConstraintName: 'PK_auth_sign_in_failure' })
  username!: string;

  /** When each attempt within the window started (the node's clock, ms), oldest first. */
  @Column('bigint', { array: true })
  failures!: string[];

  /** Until when sign-ins for it are refused (ms); 0 when not locked. */
  @Column('bigint', { name: 'locked_until', default: 0 })
  lockedUntil!: string;
}

import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { Role } from '../role';

/** A local account: an officer, an administrator, or a provincial system. */
@Entity({ name: 'app_user' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('uq_app_user_username', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  username!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 200 })
  passwordHash!: string;

  @Column({ type: 'text', array: true })
  roles!: Role[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 64 })
  createdBy!: string;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  /**
   * When the account's tokens were last revoked (password set again, account disabled): a token
   * carries this value as it was at issue and is refused once it differs. Null: never revoked.
   */
  @Column({ name: 'tokens_revoked_at', type: 'timestamptz', nullable: true })
  tokensRevokedAt!: Date | null;
}

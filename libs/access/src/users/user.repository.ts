import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ArrayContains, IsNull, type Repository } from 'typeorm';
import { isUniqueViolation } from '@regulink/persistence';
import { AccessErrorCode, AccessException } from '../access.exception';
import { Role } from '../role';
import { UserEntity } from './user.entity';

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly passwordHash: string;
  readonly roles: readonly Role[];
  readonly createdBy: string;
}

/** What may change in an account after it was created. */
export interface UserChange {
  readonly roles?: readonly Role[];
  readonly disabledAt?: Date | null;
  readonly passwordHash?: string;
  readonly tokensRevokedAt?: Date;
}

/** The account as it is, and how many other enabled administrators the node has meanwhile. */
export interface UserChangeContext {
  readonly user: UserEntity;
  readonly otherEnabledAdmins: number;
}

@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findActiveByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username, disabledAt: IsNull() });
  }

  findActiveById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id, disabledAt: IsNull() });
  }

  /** The account named `username`, enabled or not. */
  findByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username });
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { createdAt: 'ASC' } });
  }

  hasActiveAdmin(): Promise<boolean> {
    return this.users.existsBy({ roles: ArrayContains([Role.Admin]), disabledAt: IsNull() });
  }

  /**
   * Changes one account as `decide` says, seeing the account and the other enabled administrators
   * with their rows locked until the change commits, so two changes made at once (two
   * administrators disabling each other) cannot both count on the other. Null if there is no such
   * account; `decide` may throw to refuse.
   */
  async change(
    id: string,
    decide: (context: UserChangeContext) => UserChange,
  ): Promise<{ before: UserEntity; after: UserEntity } | null> {
    return this.users.manager.transaction(async (manager) => {
      // Locked in one order (by id), the administrators first, so concurrent changes cannot deadlock.
      const admins = await manager
        .createQueryBuilder(UserEntity, 'u')
        .select('u.id')
        .where(':admin = ANY(u.roles)', { admin: Role.Admin })
        .andWhere('u.disabled_at IS NULL')
        .orderBy('u.id')
        .setLock('pessimistic_write')
        .getMany();
      const before = await manager.findOne(UserEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!before) return null;
      const change = decide({ user: before, otherEnabledAdmins: admins.filter((a) => a.id !== id).length });
      const { roles, ...rest } = change;
      const values = { ...rest, ...(roles ? { roles: [...roles] } : {}) };
      if (Object.keys(values).length > 0) await manager.update(UserEntity, { id }, values);
      return { before, after: await manager.findOneByOrFail(UserEntity, { id }) };
    });
  }

  /** Inserts one account; a taken username is a typed error, not a database error. */
  async insert(user: NewUser): Promise<UserEntity> {
    try {
      const saved = await this.users.insert({ ...user, roles: [...user.roles], disabledAt: null });
      return await this.users.findOneByOrFail({ id: saved.identifiers[0]!.id as string });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new AccessException(AccessErrorCode.UsernameTaken, `the username ${user.username} is taken`);
      }
      throw error;
    }
  }
}

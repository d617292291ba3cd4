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

@Injectable()
export class UserRepository {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  findActiveByUsername(username: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ username, disabledAt: IsNull() });
  }

  findActiveById(id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id, disabledAt: IsNull() });
  }

  list(): Promise<UserEntity[]> {
    return this.users.find({ order: { createdAt: 'ASC' } });
  }

  hasActiveAdmin(): Promise<boolean> {
    return this.users.existsBy({ roles: ArrayContains([Role.Admin]), disabledAt: IsNull() });
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

import { Inject, Injectable, Logger } from '@nestjs/common';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { generatePassword, hashPassword } from '../auth/password-hasher';
import { AccessErrorCode, AccessException } from '../access.exception';
import { Role } from '../role';
import type { UserCreateDto } from './dto/user-create.dto';
import type { UserResponseDto } from './dto/user-response.dto';
import type { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

const INITIAL_PASSWORD_FILE = 'initial-admin-password';

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UserRepository,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
  ) {}

  async create(input: UserCreateDto, createdBy: string): Promise<UserResponseDto> {
    const user = await this.users.insert({
      username: input.username,
      displayName: input.displayName,
      passwordHash: await hashPassword(input.password),
      roles: input.roles,
      createdBy,
    });
    this.logger.log(
      { userId: user.id, username: user.username, roles: user.roles, createdBy },
      'created a user',
    );
    return UsersService.map(user);
  }

  async list(): Promise<UserResponseDto[]> {
    return (await this.users.list()).map((u) => UsersService.map(u));
  }

  /**
   * Makes sure the node has an administrator. The first one comes from configuration
   * (REGULINK_ADMIN_USERNAME / REGULINK_ADMIN_PASSWORD); without a configured password a random one
   * is written, readable by the owner only, to the data folder: never to the log.
   */
  async ensureAdmin(): Promise<void> {
    if (await this.users.hasActiveAdmin()) return;
    const { username } = this.config.admin;
    let password = this.config.admin.password;
    let passwordFile: string | undefined;
    if (!password) {
      password = generatePassword();
      passwordFile = join(this.config.node.dataDir, INITIAL_PASSWORD_FILE);
      await writeFile(passwordFile, `${username}\n${password}\n`, { mode: 0o600 });
      await chmod(passwordFile, 0o600);
    }
    let user: UserEntity;
    try {
      user = await this.users.insert({
        username,
        displayName: 'Administrator',
        passwordHash: await hashPassword(password),
        roles: [Role.Admin],
        createdBy: 'bootstrap',
      });
    } catch (error) {
      // Another replica of this node bootstrapped the same account a moment ago.
      if (error instanceof AccessException && error.code === AccessErrorCode.UsernameTaken) return;
      throw error;
    }
    this.logger.warn(
      { userId: user.id, username, passwordFile: passwordFile ?? '(from configuration)' },
      'created the first administrator',
    );
  }

  static map(user: UserEntity): UserResponseDto {
    return {
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      roles: [...user.roles],
      createdAt: user.createdAt.toISOString(),
      createdBy: user.createdBy,
      disabledAt: user.disabledAt ? user.disabledAt.toISOString() : null,
    };
  }
}

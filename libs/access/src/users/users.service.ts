import { Inject, Injectable, Logger } from '@nestjs/common';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NODE_CONFIG, type NodeConfig } from '@regulink/config';
import { TableWatch } from '@regulink/persistence';
import { isPasswordTheUsername } from '@regulink/protocol';
import { AccessClock } from '../auth/access-clock';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { LoginThrottle } from '../auth/login-throttle';
import { generatePassword, hashPassword } from '../auth/password-hasher';
import { AccessErrorCode, AccessException } from '../access.exception';
import { Role } from '../role';
import type { UserCreateDto } from './dto/user-create.dto';
import type { UserResponseDto } from './dto/user-response.dto';
import type { UserUpdateDto } from './dto/user-update.dto';
import type { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

const INITIAL_PASSWORD_FILE = 'initial-admin-password';

@Injectable()
export class UsersService {
  private readonly logger = new Logger(UsersService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly watch: TableWatch,
    private readonly clock: AccessClock,
    private readonly throttle: LoginThrottle,
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
   * Changes an account's roles, or disables or enables it. Disabling ends its tokens (they stay
   * ended when it is enabled again); roles are read afresh on every request, so they count from
   * the next one. Refused (`LAST_ADMIN`) when it would leave the node without an enabled
   * administrator, the caller's own account included.
   */
  async update(id: string, input: UserUpdateDto, by: AuthenticatedUser): Promise<UserResponseDto> {
    const now = new Date(this.clock.now());
    const changed = await this.users.change(id, ({ user, otherEnabledAdmins }) => {
      const disabled = input.disabled ?? user.disabledAt !== null;
      const roles = input.roles ?? user.roles;
      if (isEnabledAdmin(user) && !(roles.includes(Role.Admin) && !disabled) && otherEnabledAdmins === 0) {
        throw new AccessException(
          AccessErrorCode.LastAdmin,
          'the node would be left without an enabled administrator: make another account admin first',
        );
      }
      return {
        ...(input.roles ? { roles: input.roles } : {}),
        // Disabled now (not again): its tokens end, and stay ended if it is enabled again.
        ...(disabled && user.disabledAt === null ? { disabledAt: now, tokensRevokedAt: now } : {}),
        ...(disabled ? {} : { disabledAt: null }),
      };
    });
    if (!changed) throw UsersService.notFound(id);
    this.watch.changed('app_user');
    const { before, after } = changed;
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (before.roles.join() !== after.roles.join()) changes.roles = { from: before.roles, to: after.roles };
    if ((before.disabledAt === null) !== (after.disabledAt === null)) {
      changes.disabled = { from: before.disabledAt !== null, to: after.disabledAt !== null };
    }
    this.logger.log(
      { userId: after.id, username: after.username, by: by.username, changes },
      'changed a user',
    );
    return UsersService.map(after);
  }

  /**
   * Sets an account's password (an administrator's reset): every token issued to it before is
   * refused from now on, and a sign-in lock on its username is lifted. The password is never logged.
   */
  async setPassword(id: string, password: string, by: AuthenticatedUser): Promise<void> {
    const passwordHash = await hashPassword(password);
    const now = new Date(this.clock.now());
    const changed = await this.users.change(id, ({ user }) => {
      UsersService.requireFit(password, user.username);
      return { passwordHash, tokensRevokedAt: now };
    });
    if (!changed) throw UsersService.notFound(id);
    this.watch.changed('app_user');
    await this.throttle.forget(changed.after.username);
    this.logger.log(
      { userId: changed.after.id, username: changed.after.username, by: by.username },
      "set a user's password",
    );
  }

  /** What only the account can tell about a new password: it is not the username. */
  static requireFit(password: string, username: string): void {
    if (isPasswordTheUsername(password, username)) {
      throw new AccessException(AccessErrorCode.PasswordUnfit, 'the password must not be the username');
    }
  }

  private static notFound(id: string): AccessException {
    return new AccessException(AccessErrorCode.UserNotFound, `no account ${id}`);
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
      if (!(error instanceof AccessException && error.code === AccessErrorCode.UsernameTaken)) throw error;
      // Another replica of this node bootstrapped the same account a moment ago…
      if (await this.users.hasActiveAdmin()) return;
      // …or the account is there, disabled or no longer an administrator, and none is left: it is
      // made the administrator again, with the password configured or just written to the file.
      await this.restoreAdmin(username, password, passwordFile);
      return;
    }
    this.logger.warn(
      { userId: user.id, username, passwordFile: passwordFile ?? '(from configuration)' },
      'created the first administrator',
    );
  }

  private async restoreAdmin(username: string, password: string, passwordFile: string | undefined) {
    const existing = await this.users.findByUsername(username);
    if (!existing) return;
    const passwordHash = await hashPassword(password);
    const now = new Date(this.clock.now());
    await this.users.change(existing.id, ({ user }) => ({
      roles: user.roles.includes(Role.Admin) ? user.roles : [...user.roles, Role.Admin],
      disabledAt: null,
      passwordHash,
      tokensRevokedAt: now,
    }));
    this.watch.changed('app_user');
    this.logger.warn(
      { userId: existing.id, username, passwordFile: passwordFile ?? '(from configuration)' },
      'no enabled administrator was left: restored the configured one, with a new password',
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

function isEnabledAdmin(user: UserEntity): boolean {
  return user.disabledAt === null && user.roles.includes(Role.Admin);
}

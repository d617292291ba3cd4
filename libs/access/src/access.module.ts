import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { IdentityModule } from '@regulink/identity';
import { AccessClock } from './auth/access-clock';
import { AccessGuard } from './auth/access.guard';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { DatabaseUsernameFailures } from './auth/database-username-failures';
import { LOGIN_THROTTLE_LIMITS, LoginThrottle } from './auth/login-throttle';
import { TokenService } from './auth/token.service';
import { UserEntity } from './users/user.entity';
import { UserRepository } from './users/user.repository';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), IdentityModule],
  controllers: [AuthController, UsersController],
  providers: [
    UserRepository,
    UsersService,
    TokenService,
    AuthService,
    AccessClock,
    // With the documented limits (LOGIN_THROTTLE_LIMITS), each username's failures in the database.
    {
      provide: LoginThrottle,
      useFactory: (clock: AccessClock, dataSource: DataSource) =>
        new LoginThrottle(
          clock,
          LOGIN_THROTTLE_LIMITS,
          new DatabaseUsernameFailures(dataSource, LOGIN_THROTTLE_LIMITS.maxTracked),
        ),
      inject: [AccessClock, DataSource],
    },
    { provide: APP_GUARD, useClass: AccessGuard },
  ],
  exports: [TokenService],
})
export class AccessModule implements OnApplicationBootstrap {
  constructor(private readonly users: UsersService) {}

  onApplicationBootstrap(): Promise<void> {
    return this.users.ensureAdmin();
  }
}

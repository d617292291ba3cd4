import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user.decorator';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { Role } from '../role';
import { UserCreateDto } from './dto/user-create.dto';
import { UserPasswordDto } from './dto/user-password.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { UserIdParamDto, UserUpdateDto } from './dto/user-update.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles(Role.Admin)
  create(@Body() body: UserCreateDto, @CurrentUser() caller: AuthenticatedUser): Promise<UserResponseDto> {
    return this.users.create(body, caller.username);
  }

  @Get()
  @Roles(Role.Admin)
  list(): Promise<UserResponseDto[]> {
    return this.users.list();
  }

  /** Changes an account's roles, or disables (ending its tokens) or enables it. */
  @Patch(':id')
  @Roles(Role.Admin)
  update(
    @Param() { id }: UserIdParamDto,
    @Body() body: UserUpdateDto,
    @CurrentUser() caller: AuthenticatedUser,
  ): Promise<UserResponseDto> {
    return this.users.update(id, body, caller);
  }

  /** Sets an account's password (a reset); the tokens issued to it before end. */
  @Put(':id/password')
  @HttpCode(204)
  @Roles(Role.Admin)
  setPassword(
    @Param() { id }: UserIdParamDto,
    @Body() body: UserPasswordDto,
    @CurrentUser() caller: AuthenticatedUser,
  ): Promise<void> {
    return this.users.setPassword(id, body.password, caller);
  }
}

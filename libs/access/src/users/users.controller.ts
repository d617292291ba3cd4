import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/access.decorators';
import { CurrentUser } from '../auth/current-user.decorator';
import type { AuthenticatedUser } from '../auth/authenticated-user';
import { Role } from '../role';
import { UserCreateDto } from './dto/user-create.dto';
import { UserResponseDto } from './dto/user-response.dto';
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
}

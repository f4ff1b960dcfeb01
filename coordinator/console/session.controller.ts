import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiRoleGuarded } from '../http/openapi.js';
import { CallerRole, Read, type Role } from '../http/roles.js';

/** Who the caller is: the console asks once after login, to show the role's controls and no others. */
@Controller('session')
@Read()
@ApiRoleGuarded('session')
export class SessionController {
  /** The role the bearer token names. The server refuses a role's forbidden calls whatever a client shows. */
  @Get()
  @ApiOperation({ summary: 'The role the bearer token names, and whether it may change anything' })
  @ApiOkResponse({ description: '`{role, canWrite}`' })
  session(@CallerRole() role: Role) {
    return { role, canWrite: role === 'operator' };
  }
}

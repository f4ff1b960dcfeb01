import { Controller, Get } from '@nestjs/common';
import { CallerRole, Read, type Role } from '../http/roles.js';

/** Who the caller is: the console asks once after login, to show the role's controls and no others. */
@Controller('session')
@Read()
export class SessionController {
  /** The role the bearer token names. The server refuses a role's forbidden calls whatever a client shows. */
  @Get()
  session(@CallerRole() role: Role) {
    return { role, canWrite: role === 'operator' };
  }
}

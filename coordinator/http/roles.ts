import {
  createParamDecorator,
  ForbiddenException,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import { COORDINATOR_OPTIONS, type ResolvedCoordinatorOptions } from '../coordinator-options.js';

/**
 * Who may do what over HTTP. The operator runs the consortium (enrols and revokes clinics, defines
 * studies) and may read everything; the auditor reads (budgets, ledgers, studies, events) and can
 * change nothing. Each role has its own bearer token; an endpoint names the roles it admits.
 */
export type Role = 'operator' | 'auditor';

/** The metadata key `@Roles` sets (read by the guard, and by the OpenAPI check that guarded routes declare bearer auth). */
export const ROLES = Symbol('roles');
/** Where the guard leaves the caller's role on an admitted request. */
const ROLE = Symbol('role');

/** The role the guard admitted the request as (endpoints with @Roles only). */
export const CallerRole = createParamDecorator((_data: unknown, context: ExecutionContext): Role | undefined => {
  return context.switchToHttp().getRequest<{ [ROLE]?: Role }>()[ROLE];
});

/** The roles an HTTP endpoint admits. Endpoints without it (health) are public. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES, roles);

/** Reads: both roles. Writes: the operator. */
export const Read = () => Roles('operator', 'auditor');
export const Write = () => Roles('operator');

const ENABLE_WITH: Record<Role, string> = {
  operator: '--operator-token-file (or COHORT_OPERATOR_TOKEN)',
  auditor: '--auditor-token-file (or COHORT_AUDITOR_TOKEN)',
};

/** The global guard: the bearer token names a role (compared in constant time), the endpoint must admit it. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(COORDINATOR_OPTIONS) private readonly options: ResolvedCoordinatorOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true; // gRPC calls are signed by clinics (grpc-authentication.ts)
    const admitted = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, [context.getHandler(), context.getClass()]);
    if (!admitted) return true;
    const request = context.switchToHttp().getRequest<{ method: string; url: string; headers: Record<string, string | undefined>; [ROLE]?: Role }>();
    const tokens: [Role, string | null][] = [
      ['operator', this.options.operatorToken],
      ['auditor', this.options.auditorToken],
    ];
    const usable = admitted.filter((role) => tokens.find(([r]) => r === role)![1]);
    if (usable.length === 0) {
      throw new ForbiddenException(
        `${request.method} ${request.url} needs the ${admitted.join(' or ')} token, and none is configured: start the coordinator with ${admitted.map((r) => ENABLE_WITH[r]).join(' or ')}`,
      );
    }
    const role = roleOf(request.headers['authorization'], tokens);
    if (!role) throw new UnauthorizedException(`${request.method} ${request.url} needs the ${admitted.join(' or ')} token: Authorization: Bearer <token>`);
    if (!admitted.includes(role)) {
      throw new ForbiddenException(
        `the ${role} role cannot ${request.method} ${request.url}${role === 'auditor' ? ': auditors read, they change nothing' : ''}`,
      );
    }
    request[ROLE] = role;
    return true;
  }
}

function roleOf(authorization: string | undefined, tokens: [Role, string | null][]): Role | null {
  // The scheme is case-insensitive (RFC 9110 section 11.1); the token is compared as given.
  const match = /^Bearer +(.+)$/i.exec(authorization ?? '');
  if (!match) return null;
  const given = Buffer.from(match[1]!);
  for (const [role, token] of tokens) {
    const wanted = Buffer.from(token ?? '');
    if (token && given.length === wanted.length && timingSafeEqual(given, wanted)) return role;
  }
  return null;
}

import { ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';

/**
 * Checks an `Authorization: Bearer <token>` header against the configured token, in constant time.
 * Without a configured token the guarded endpoints are off (403), saying which option turns them on.
 */
export function requireBearerToken(expected: string | null, authorization: string | undefined, what: { role: string; enableWith: string }): void {
  if (!expected) throw new ForbiddenException(`${what.role} access over HTTP is off: start the coordinator with ${what.enableWith}`);
  const given = Buffer.from(authorization?.replace(/^Bearer /, '') ?? '');
  const wanted = Buffer.from(expected);
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new UnauthorizedException(`this needs the ${what.role} token: Authorization: Bearer <token>`);
  }
}

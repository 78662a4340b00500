import { ExecutionContext, Injectable, CanActivate } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest as Request } from 'fastify';
import { type AuthUser, IS_PUBLIC, OPTIONAL_AUTH, ROLES_KEY, type Role } from '../common/auth/auth.decorators';
import { ForbiddenError, UnauthorizedError } from '../common/errors/domain-error';
import { CustomersService } from '../customers/customers.service';

/** Global: every route needs a valid access token unless marked `@Public()` or `@OptionalAuth()`. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly customers: CustomersService,
  ) {
    super();
  }

  private flag(key: string, ctx: ExecutionContext): boolean {
    return !!this.reflector.getAllAndOverride<boolean>(key, [ctx.getHandler(), ctx.getClass()]);
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (this.flag(IS_PUBLIC, ctx)) return true;
    const req = ctx.switchToHttp().getRequest<Request>();
    if (!req.headers.authorization) {
      if (this.flag(OPTIONAL_AUTH, ctx)) return true;
      throw new UnauthorizedError('Missing Authorization Header', 'MISSING_AUTH_HEADER');
    }
    if (!(await super.canActivate(ctx))) return false;
    // The account as it is now, not as the token remembers it: a deleted account's token is refused and the
    // stored role applies (a demoted admin loses admin rights at once, not when the token expires). Done here,
    // per app, rather than in the passport strategy, which passport keeps in one process-wide registry.
    const user = (req as Request & { user?: AuthUser }).user!;
    const customer = await this.customers.findRole(user.id);
    if (!customer) throw new UnauthorizedError('Invalid or expired access token', 'INVALID_TOKEN');
    (req as Request & { user?: AuthUser }).user = { id: customer.id, role: customer.role };
    return true;
  }

  override handleRequest<T = AuthUser>(err: unknown, user: T | false): T {
    if (err || !user) throw new UnauthorizedError('Invalid or expired access token', 'INVALID_TOKEN');
    return user;
  }
}

/** Global, after JwtAuthGuard: `@Roles(...)` restricts a route; a signed-in caller of another role gets 403. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!roles?.length) return true;
    const user = ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw new UnauthorizedError('Missing Authorization Header', 'MISSING_AUTH_HEADER');
    if (!roles.includes(user.role)) throw new ForbiddenError('Insufficient role');
    return true;
  }
}

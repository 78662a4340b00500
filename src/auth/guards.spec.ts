import { HttpStatus, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthUser, OptionalAuth, Public, Roles } from '../common/auth/auth.decorators';
import { ForbiddenError, UnauthorizedError } from '../common/errors/domain-error';
import type { CustomersService } from '../customers/customers.service';
import { JwtAuthGuard, RolesGuard } from './guards';

// Routes as the guards see them: metadata on the handler and/or the controller class.
class PlainController {
  open() {}
}
@Roles('admin')
class AdminController {
  list() {}
  @Roles('customer', 'admin') mixed() {}
}
class MixedController {
  @Roles('admin') adminOnly() {}
  @Roles('customer') customerOnly() {}
  @Public() publicRoute() {}
  @OptionalAuth() optionalRoute() {}
  @Roles() emptyRoles() {}
}
@Public()
class PublicController {
  anything() {}
}

function context(cls: new () => object, handler: string, req: { user?: AuthUser; headers?: Record<string, string> } = {}): ExecutionContext {
  const request = { headers: {}, ...req };
  return {
    getHandler: () => (cls.prototype as Record<string, unknown>)[handler] as () => void,
    getClass: () => cls,
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}), getNext: () => undefined }),
  } as unknown as ExecutionContext;
}

const customer: AuthUser = { id: '2b0c3a50-7c6b-4d55-9d9e-3c2f5f1a0001', role: 'customer' };
const admin: AuthUser = { id: '2b0c3a50-7c6b-4d55-9d9e-3c2f5f1a0002', role: 'admin' };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the guard to throw');
}

describe('RolesGuard', () => {
  const guard = new RolesGuard(new Reflector());

  it('lets anyone through a route without @Roles', () => {
    expect(guard.canActivate(context(PlainController, 'open', { user: customer }))).toBe(true);
    expect(guard.canActivate(context(PlainController, 'open'))).toBe(true);
    expect(guard.canActivate(context(MixedController, 'emptyRoles', { user: customer }))).toBe(true);
  });

  it('gives a customer 403 FORBIDDEN on an admin route', () => {
    const e = thrown(() => guard.canActivate(context(MixedController, 'adminOnly', { user: customer })));
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(e).toMatchObject({ status: HttpStatus.FORBIDDEN, code: 'FORBIDDEN' });
  });

  it('lets an admin through an admin route', () => {
    expect(guard.canActivate(context(MixedController, 'adminOnly', { user: admin }))).toBe(true);
  });

  it('is exact about roles: an admin is not a customer unless listed', () => {
    expect(guard.canActivate(context(MixedController, 'customerOnly', { user: customer }))).toBe(true);
    expect(thrown(() => guard.canActivate(context(MixedController, 'customerOnly', { user: admin })))).toBeInstanceOf(ForbiddenError);
  });

  it('applies @Roles on the controller class to every handler, and a handler-level @Roles overrides it', () => {
    expect(thrown(() => guard.canActivate(context(AdminController, 'list', { user: customer })))).toBeInstanceOf(ForbiddenError);
    expect(guard.canActivate(context(AdminController, 'list', { user: admin }))).toBe(true);
    expect(guard.canActivate(context(AdminController, 'mixed', { user: customer }))).toBe(true);
  });

  it('an anonymous caller of a role-restricted route is 401, not 403', () => {
    const e = thrown(() => guard.canActivate(context(MixedController, 'adminOnly')));
    expect(e).toBeInstanceOf(UnauthorizedError);
    expect(e).toMatchObject({ status: HttpStatus.UNAUTHORIZED, message: 'Missing Authorization Header' });
  });

  it('an unknown role from a forged user object is refused', () => {
    const rogue = { id: customer.id, role: 'superuser' } as unknown as AuthUser;
    expect(thrown(() => guard.canActivate(context(MixedController, 'adminOnly', { user: rogue })))).toBeInstanceOf(ForbiddenError);
  });
});

describe('JwtAuthGuard (the parts that do not need passport)', () => {
  // The account lookup runs only after passport accepted a token; these paths never reach it.
  const guard = new JwtAuthGuard(new Reflector(), {} as CustomersService);

  it('lets @Public routes through, on the handler or the class, without a header', async () => {
    await expect(guard.canActivate(context(MixedController, 'publicRoute'))).resolves.toBe(true);
    await expect(guard.canActivate(context(PublicController, 'anything'))).resolves.toBe(true);
  });

  it('without an Authorization header: 401 "Missing Authorization Header", unless the route is @OptionalAuth', async () => {
    const e: unknown = await guard.canActivate(context(PlainController, 'open')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UnauthorizedError);
    expect(e).toMatchObject({ code: 'MISSING_AUTH_HEADER', message: 'Missing Authorization Header' });
    await expect(guard.canActivate(context(MixedController, 'optionalRoute'))).resolves.toBe(true);
  });

  it('handleRequest turns any passport failure into 401 INVALID_TOKEN and passes a user through', () => {
    for (const [err, user] of [
      [new Error('jwt expired'), false],
      [null, false],
      [undefined, undefined],
    ] as const) {
      const e = thrown(() => guard.handleRequest(err, user as unknown as false));
      expect(e).toBeInstanceOf(UnauthorizedError);
      expect(e).toMatchObject({ code: 'INVALID_TOKEN', status: HttpStatus.UNAUTHORIZED });
    }
    expect(guard.handleRequest(null, customer)).toBe(customer);
  });
});

import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export type Role = 'customer' | 'admin';
export const ROLES: readonly Role[] = ['customer', 'admin'];

/** What a verified access token says about the caller. */
export interface AuthUser {
  id: string;
  role: Role;
}

export const IS_PUBLIC = 'auth:public';
export const OPTIONAL_AUTH = 'auth:optional';
export const ROLES_KEY = 'auth:roles';

/** No authentication; any Authorization header is ignored. Documented as such (`security: [{}]`) in the OpenAPI document. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));
/** Authenticated when a token is sent (a bad token is still 401), anonymous otherwise (guest carts, checkout). */
export const OptionalAuth = () => SetMetadata(OPTIONAL_AUTH, true);
/** Only callers with one of these roles; others get 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser | undefined => {
  return ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
});

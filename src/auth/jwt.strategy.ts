import { Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { type AuthUser, ROLES, type Role } from '../common/auth/auth.decorators';
import { AppConfig } from '../config/app-config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  typ: 'access';
}

/**
 * The HMAC secret as a KeyObject, made once. Given a string, jsonwebtoken first tries to parse it as a PEM
 * public key (and fails) on every verify: ≈ 1 ms of CPU per signed-in request (docs/performance.md, S3).
 * Typed as Buffer for the libraries' declarations; jsonwebtoken takes a KeyObject as it is.
 */
export function jwtKey(secret: string): Buffer {
  return createSecretKey(Buffer.from(secret, 'utf8')) as unknown as Buffer;
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: jwtKey(config.auth.jwtSecret),
      algorithms: ['HS256'],
      issuer: 'checkout-orders',
      ignoreExpiration: false,
    });
  }

  /** Claims only; JwtAuthGuard then checks the account still exists (passport keeps strategies process-wide). */
  validate(claims: Partial<AccessTokenClaims>): AuthUser | false {
    // `sub` must be a customer id: anything else would reach the database as a malformed uuid (a 400, not a 401).
    if (claims.typ !== 'access' || typeof claims.sub !== 'string' || !UUID.test(claims.sub) || !ROLES.includes(claims.role as Role)) {
      return false;
    }
    return { id: claims.sub, role: claims.role as Role };
  }
}

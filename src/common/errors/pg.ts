import { QueryFailedError } from 'typeorm';

/** The SQLSTATE of a failed query, if `e` is one. */
export function sqlState(e: unknown): string | undefined {
  return e instanceof QueryFailedError ? (e.driverError as { code?: string } | undefined)?.code : undefined;
}

export const isUniqueViolation = (e: unknown) => sqlState(e) === '23505';
/** 23503 foreign_key_violation, or 23001 restrict_violation for ON DELETE RESTRICT. */
export const isReferenced = (e: unknown) => sqlState(e) === '23503' || sqlState(e) === '23001';

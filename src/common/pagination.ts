import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ValidationError } from './errors/domain-error';

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit = 20;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page\'s `nextCursor`' })
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

/** Keyset position: newest first by (createdAt, id). */
export interface Keyset {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A cursor's position, and the list's total when the first page counted it (carried so later pages need not). */
export interface Cursor extends Keyset {
  total?: number;
}

export function encodeCursor(k: Keyset, total?: number): string {
  return Buffer.from(`${k.createdAt.toISOString()}|${k.id}${total === undefined ? '' : `|${total}`}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): Cursor | undefined {
  if (!cursor) return undefined;
  const [iso, id, total, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(createdAt.getTime()) || rest.length || (total !== undefined && !/^\d{1,15}$/.test(total))) {
    throw new ValidationError('Invalid cursor', 'INVALID_CURSOR');
  }
  return total === undefined ? { createdAt, id } : { createdAt, id, total: Number(total) };
}

/** Takes `limit + 1` rows and returns the page plus the next cursor (carrying `total` when given). */
export function toPage<T extends Keyset>(rows: T[], limit: number, total?: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last, total) : null };
}

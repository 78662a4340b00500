import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '../errors/domain-error';

/** Far deeper than any DTO here; class-transformer recurses per level and would overflow the stack first. */
export const MAX_BODY_DEPTH = 32;

/** Whether `value` nests objects/arrays deeper than `max`; iterative, so it cannot overflow itself. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v as object)) stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}

/** Runs before the ValidationPipe: a body nested absurdly deep is a 400, not a stack overflow (500). */
@Injectable()
export class BodyDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && nestedDeeperThan(value, MAX_BODY_DEPTH)) {
      throw new ValidationError(`Request body is nested more than ${MAX_BODY_DEPTH} levels deep`, 'BODY_TOO_DEEP');
    }
    return value;
  }
}

import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { ValidationError } from '../errors/domain-error';

/** Far deeper than any DTO here; class-transformer recurses per level and would overflow the stack first. */
export const MAX_BODY_DEPTH = 32;

/**
 * The first thing wrong with a body's shape as a whole: nested deeper than `max` (class-transformer would
 * overflow the stack), or a NUL character in a string or key (PostgreSQL text cannot hold it; refusing it
 * here, before any work, keeps a multi-step operation from failing half-way), or a lone surrogate. Iterative, so it cannot
 * overflow itself.
 */
/** A lone UTF-16 surrogate: not text (validators throw on it, PostgreSQL would store U+FFFD). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const badText = (s: string): 'nul' | 'unicode' | null => (s.includes('\u0000') ? 'nul' : LONE_SURROGATE.test(s) ? 'unicode' : null);

export function bodyProblem(value: unknown, max: number): 'depth' | 'nul' | 'unicode' | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const bad = badText(v);
      if (bad) return bad;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return 'depth';
    for (const [k, child] of Object.entries(v as object)) {
      const bad = badText(k);
      if (bad) return bad;
      stack.push({ v: child, depth: depth + 1 });
    }
  }
  return null;
}

/** Runs before the ValidationPipe: absurd nesting and NUL characters are a 400 before any work is done. */
@Injectable()
export class BodyDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    const problem = bodyProblem(value, MAX_BODY_DEPTH);
    if (problem === 'depth') throw new ValidationError(`Request body is nested more than ${MAX_BODY_DEPTH} levels deep`, 'BODY_TOO_DEEP');
    if (problem === 'nul') throw new ValidationError('Text contains a character that cannot be stored (NUL)', 'BAD_REQUEST');
    if (problem === 'unicode') throw new ValidationError('Text is not valid Unicode (lone surrogate)', 'BAD_REQUEST');
    return value;
  }
}

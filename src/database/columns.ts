import type { ValueTransformer } from 'typeorm';

/**
 * `bigint` money columns: pg returns them as strings; amounts stay far below 2^53, so they are numbers in
 * code, and a value that is not a safe integer is refused rather than rounded.
 */
export const bigintMoney: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => {
    if (v === null || v === undefined) return v;
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new RangeError(`Amount ${v} is not a safe integer`);
    return n;
  },
};

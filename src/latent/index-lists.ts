/**
 * Factor lists as people type them: "1,2,5", "1-5", "1-3,7", and "none" or ""
 * for the empty set. Indices are 1-based, as in the paper.
 */
import { MisalignError } from '../common/errors.js';

/**
 * Parses a list of 1-based factor indices within 1..n into a sorted array.
 * Rejects malformed items, reversed ranges, duplicates and indices outside 1..n.
 */
export function parseIndexList(what: string, text: string, n: number): number[] {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.toLowerCase() === 'none') return [];
  const seen = new Set<number>();
  for (const rawItem of trimmed.split(',')) {
    const item = rawItem.trim();
    const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!match) {
      throw new MisalignError('INVALID_LIST', `${what}: '${item}' is not an index or a range like 1-5 (in '${text}')`);
    }
    const lo = Number(match[1]);
    const hi = match[2] === undefined ? lo : Number(match[2]);
    if (hi < lo) throw new MisalignError('INVALID_LIST', `${what}: range '${item}' runs backwards`);
    for (let i = lo; i <= hi; i++) {
      if (i < 1 || i > n) throw new MisalignError('INDEX_OUT_OF_RANGE', `${what}: index ${i} is outside 1..${n}`);
      if (seen.has(i)) throw new MisalignError('INVALID_LIST', `${what}: index ${i} is listed twice`);
      seen.add(i);
    }
  }
  return [...seen].sort((a, b) => a - b);
}

/** Checks an already-parsed list the same way: integers in 1..n, no duplicates. Returns it sorted. */
export function checkIndexList(what: string, list: readonly number[], n: number): number[] {
  const seen = new Set<number>();
  for (const i of list) {
    if (!Number.isInteger(i)) throw new MisalignError('NOT_AN_INTEGER', `${what}: ${i} is not an integer index`);
    if (i < 1 || i > n) throw new MisalignError('INDEX_OUT_OF_RANGE', `${what}: index ${i} is outside 1..${n}`);
    if (seen.has(i)) throw new MisalignError('INVALID_LIST', `${what}: index ${i} is listed twice`);
    seen.add(i);
  }
  return [...seen].sort((a, b) => a - b);
}

/** "{1, 2, 5}" for people; "∅" for the empty set. */
export function formatSet(list: readonly number[]): string {
  return list.length === 0 ? '∅' : `{${list.join(', ')}}`;
}

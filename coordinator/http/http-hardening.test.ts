import { describe, expect, it } from '@jest/globals';
import { checkJsonDepth } from './http-hardening.js';

const depthOk = (json: string, limit: number) => {
  try {
    checkJsonDepth(Buffer.from(json), limit);
    return true;
  } catch (error) {
    expect(error).toMatchObject({ status: 400, message: `the JSON body is nested more than ${limit} levels deep` });
    return false;
  }
};

describe('checkJsonDepth', () => {
  it('counts objects and arrays, refusing one level past the limit', () => {
    expect(depthOk('{"a":[1,{"b":[]}]}', 4)).toBe(true);
    expect(depthOk('{"a":[1,{"b":[]}]}', 3)).toBe(false);
    expect(depthOk('[[[]],[[]],[[]]]', 3)).toBe(true);
    expect(depthOk('1', 0)).toBe(true);
    expect(depthOk('{}', 0)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(depthOk('{"a":"[[[[{{{{"}', 1)).toBe(true);
    expect(depthOk('{"a":"\\"[[[[\\\\"}', 1)).toBe(true);
    expect(depthOk('{"a":"\\\\","b":[[]]}', 2)).toBe(false);
    expect(depthOk('{"é[":"ü{"}', 1)).toBe(true);
  });

  it('goes through a body of 45,000 levels without recursion', () => {
    expect(depthOk('['.repeat(45_000) + ']'.repeat(45_000), 64)).toBe(false);
  });
});

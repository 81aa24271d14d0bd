// The assembler's byte builders (src/numeric/wasm-asm.ts): built by concat, the same bytes as the spreads they replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { moduleBytes, section, str, uleb, vec, type Code } from '../../src/numeric/wasm-asm.js';
import { fcRuns } from '../checks.js';

// the builders as they were written with spreads
const vecSpread = (items: Code[]): Code => [...uleb(items.length), ...items.flat()];
const sectionSpread = (id: number, body: Code): Code => [id, ...uleb(body.length), ...body];
function moduleBytesSpread(fns: Array<{ name: string; type: Code; code: Code }>): Uint8Array {
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...sectionSpread(1, vecSpread(fns.map((f) => f.type))),
    ...sectionSpread(2, vecSpread([[...str('env'), ...str('memory'), 0x02, 0x00, 0x00]])),
    ...sectionSpread(3, vecSpread(fns.map((_, i) => uleb(i)))),
    ...sectionSpread(7, vecSpread(fns.map((f, i) => [...str(f.name), 0x00, ...uleb(i)]))),
    ...sectionSpread(10, vecSpread(fns.map((f) => f.code))),
  ]);
}

const code = (max: number) => fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max });

describe('wasm-asm byte builders', () => {
  it('vec, section and moduleBytes give the bytes of their spread forms (code up to 400 bytes, items nested one level)', () => {
    fc.assert(
      fc.property(fc.array(code(40), { maxLength: 12 }), fc.integer({ min: 0, max: 12 }), code(400), (items, id, body) => {
        expect(vec(items)).toEqual(vecSpread(items));
        expect(section(id, body)).toEqual(sectionSpread(id, body));
      }),
      fcRuns(300),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string({ maxLength: 8 }), type: code(12), code: code(400) }), { minLength: 1, maxLength: 4 }), (fns) => {
        expect(moduleBytes(fns)).toEqual(moduleBytesSpread(fns));
      }),
      fcRuns(200),
    );
  });

  it('a vec of 200 000 bytes in one item (a module body) is built whole', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => i % 256);
    expect(vec([big, [1, 2]])).toEqual(vecSpread([big, [1, 2]]));
  });
});

import fc from 'fast-check';
import {
  bitLength,
  consistencyRanges,
  inclusionRanges,
  largestPowerOfTwoBelow,
  perfectSubtrees,
} from './merkle-shape';

const safeSize = fc.oneof(
  fc.nat({ max: 70 }),
  fc.integer({ min: 2 ** 31 - 3, max: 2 ** 32 + 3 }),
  fc.integer({ min: 2 ** 53 - 10, max: 2 ** 53 - 1 }),
  fc.maxSafeNat(),
);

describe('Merkle tree shape arithmetic', () => {
  it('counts binary digits exactly across the whole safe integer range', () => {
    fc.assert(
      fc.property(safeSize, (n) => {
        expect(bitLength(n)).toBe(n === 0 ? 0 : BigInt(n).toString(2).length);
      }),
    );
  });

  it('finds k, the largest power of two below n', () => {
    fc.assert(
      fc.property(
        safeSize.filter((n) => n >= 2),
        (n) => {
          const k = largestPowerOfTwoBelow(n);
          expect(k < n && 2 * k >= n).toBe(true);
          expect(BigInt(k).toString(2)).toMatch(/^10*$/);
        },
      ),
    );
  });

  it('splits a range into aligned complete subtrees that cover it exactly, largest first', () => {
    fc.assert(
      fc.property(safeSize, fc.nat({ max: 2 ** 20 }), (width, multiple) => {
        const alignment = 2 ** bitLength(width);
        const start = multiple * alignment;
        fc.pre(Number.isSafeInteger(start + width));
        const parts = perfectSubtrees({ start, end: start + width });
        let at = start;
        for (const [i, part] of parts.entries()) {
          expect(part.index * 2 ** part.level).toBe(at);
          if (i > 0) expect(part.level).toBeLessThan(parts[i - 1].level);
          at += 2 ** part.level;
        }
        expect(at).toBe(start + width);
      }),
    );
  });

  it('gives inclusion and consistency proofs the lengths RFC 9162 implies, even past 2^32 leaves', () => {
    fc.assert(
      fc.property(
        safeSize.filter((n) => n >= 1),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, at) => {
          const index = Math.min(n - 1, Math.floor(at * n));
          const path = inclusionRanges(index, n);
          // Disjoint siblings that together with the leaf cover the whole tree.
          const covered = path.reduce((sum, r) => sum + (r.end - r.start), 1);
          expect(covered).toBe(n);
          expect(path.length).toBeLessThanOrEqual(bitLength(n - 1));
          for (const r of path) expect(index >= r.start && index < r.end).toBe(false);

          const m = Math.max(1, index);
          if (m < n) {
            const proof = consistencyRanges(m, n);
            expect(proof.length).toBeGreaterThan(0);
            expect(proof.length).toBeLessThanOrEqual(bitLength(n - 1) + 1);
            for (const r of proof) expect(r.end).toBeLessThanOrEqual(n);
          }
        },
      ),
    );
  });
});

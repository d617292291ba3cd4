import fc from 'fast-check';
import { emptyRoot, hashFromHex, hashToHex, interiorHash, leafHash } from './merkle-hash';
import { consistencyProofFrom, inclusionProofFrom, rootFrom } from './merkle-log-layout';
import { StoredHashMap, type StoredHashes } from './merkle-plan';
import { rootFromInclusion, verifyConsistency, verifyInclusion } from './merkle-verify';

const h = (text: string): Uint8Array => {
  const hash = hashFromHex(text);
  if (!hash) throw new Error(`not a hash: ${text}`);
  return hash;
};

// Certificate Transparency's reference tree (see merkle-storage-layout.spec.ts for the source).
const ROOT_3 = h('aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77');
const ROOT_5 = h('4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4');
const ROOT_7 = h('ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c');
const ROOT_8 = h('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
const LEAF_0 = leafHash(new Uint8Array(0));
const LEAF_5 = leafHash(Uint8Array.from([0x40, 0x41, 0x42, 0x43]));
const INCLUSION_5_OF_8 = [
  h('bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'),
  h('ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0'),
  h('d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7'),
];
const CONSISTENCY_3_TO_8_ROOTS = { m: 3, n: 8, rootM: ROOT_3, rootN: ROOT_8 };
const CONSISTENCY_2_TO_5 = [
  h('5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e'),
  h('bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'),
];
const ROOT_2 = h('fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125');

describe('verifyInclusion', () => {
  it('accepts a published audit path and rebuilds the published root from it', () => {
    expect(verifyInclusion(LEAF_5, 5, 8, INCLUSION_5_OF_8, ROOT_8)).toBe(true);
    expect(hashToHex(rootFromInclusion(LEAF_5, 5, 8, INCLUSION_5_OF_8) ?? new Uint8Array())).toBe(
      hashToHex(ROOT_8),
    );
  });

  it('refuses it for another leaf, position, root or a proof of another length', () => {
    expect(verifyInclusion(LEAF_0, 5, 8, INCLUSION_5_OF_8, ROOT_8)).toBe(false);
    expect(verifyInclusion(LEAF_5, 4, 8, INCLUSION_5_OF_8, ROOT_8)).toBe(false);
    expect(verifyInclusion(LEAF_5, 5, 6, INCLUSION_5_OF_8, ROOT_8)).toBe(false);
    expect(verifyInclusion(LEAF_5, 5, 8, INCLUSION_5_OF_8, ROOT_5)).toBe(false);
    expect(rootFromInclusion(LEAF_5, 5, 8, [...INCLUSION_5_OF_8, ROOT_8])).toBeUndefined();
    expect(rootFromInclusion(LEAF_5, 5, 8, INCLUSION_5_OF_8.slice(0, 2))).toBeUndefined();
  });

  it('treats a one-leaf tree as its leaf: empty proof, root equal to the leaf hash', () => {
    expect(verifyInclusion(LEAF_0, 0, 1, [], LEAF_0)).toBe(true);
    expect(verifyInclusion(LEAF_0, 0, 1, [], LEAF_5)).toBe(false);
    expect(verifyInclusion(LEAF_0, 0, 1, [LEAF_5], interiorHash(LEAF_0, LEAF_5))).toBe(false);
  });

  it('cannot tell sizes apart whose paths have the same shape: the signed tree head binds the size', () => {
    // Leaf 4 sits in a tree of 7 and of 8 leaves behind the same three siblings, right, right,
    // left; only the values differ, so the 7-leaf proof and root pass for "leaf 4 of 8" too.
    const entries = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657'];
    const stored = StoredHashMap.of(
      entries.map((e, index) => ({ index, hash: leafHash(Buffer.from(e, 'hex')) })),
    );
    const proof = inclusionProofFrom(4, 7, stored);
    const leaf4 = leafHash(Uint8Array.from([0x30, 0x31]));
    expect(verifyInclusion(leaf4, 4, 7, proof, ROOT_7)).toBe(true);
    expect(verifyInclusion(leaf4, 4, 8, proof, ROOT_7)).toBe(true);
    expect(verifyInclusion(leaf4, 4, 6, proof, ROOT_7)).toBe(false);
  });

  it('refuses positions outside the tree and hashes of the wrong length', () => {
    expect(verifyInclusion(LEAF_0, 0, 0, [], emptyRoot())).toBe(false);
    expect(verifyInclusion(LEAF_0, 1, 1, [], LEAF_0)).toBe(false);
    expect(verifyInclusion(LEAF_0, -1, 1, [], LEAF_0)).toBe(false);
    expect(verifyInclusion(LEAF_0, 0.5, 1, [], LEAF_0)).toBe(false);
    expect(verifyInclusion(LEAF_0, 0, 2 ** 53, [], LEAF_0)).toBe(false);
    expect(verifyInclusion(LEAF_0.subarray(1), 0, 1, [], LEAF_0.subarray(1))).toBe(false);
    expect(verifyInclusion(LEAF_5, 5, 8, [...INCLUSION_5_OF_8.slice(0, 2), new Uint8Array(33)], ROOT_8)).toBe(
      false,
    );
  });
});

describe('verifyConsistency', () => {
  it('accepts a published proof and refuses it for other sizes or roots', () => {
    expect(verifyConsistency(2, 5, ROOT_2, ROOT_5, CONSISTENCY_2_TO_5)).toBe(true);
    expect(verifyConsistency(2, 5, ROOT_2, ROOT_8, CONSISTENCY_2_TO_5)).toBe(false);
    expect(verifyConsistency(2, 5, ROOT_3, ROOT_5, CONSISTENCY_2_TO_5)).toBe(false);
    expect(verifyConsistency(3, 5, ROOT_2, ROOT_5, CONSISTENCY_2_TO_5)).toBe(false);
    expect(verifyConsistency(2, 5, ROOT_2, ROOT_5, [])).toBe(false);
    expect(verifyConsistency(2, 5, ROOT_2, ROOT_5, [...CONSISTENCY_2_TO_5, ROOT_5])).toBe(false);
    expect(verifyConsistency(2, 5, ROOT_2, ROOT_5, [ROOT_2, ...CONSISTENCY_2_TO_5])).toBe(false);
  });

  it('needs no proof from the empty tree, whose root must be SHA-256("")', () => {
    expect(verifyConsistency(0, 0, emptyRoot(), emptyRoot(), [])).toBe(true);
    expect(verifyConsistency(0, 8, emptyRoot(), ROOT_8, [])).toBe(true);
    expect(verifyConsistency(0, 8, ROOT_3, ROOT_8, [])).toBe(false);
    expect(verifyConsistency(0, 8, emptyRoot(), ROOT_8, [ROOT_8])).toBe(false);
  });

  it('needs no proof between equal sizes, whose roots must be equal', () => {
    expect(verifyConsistency(8, 8, ROOT_8, ROOT_8, [])).toBe(true);
    expect(verifyConsistency(8, 8, ROOT_8, ROOT_5, [])).toBe(false);
    expect(verifyConsistency(8, 8, ROOT_8, ROOT_8, [ROOT_8])).toBe(false);
  });

  it('refuses a shrinking log and impossible sizes', () => {
    const { m, n, rootM, rootN } = CONSISTENCY_3_TO_8_ROOTS;
    expect(verifyConsistency(n, m, rootN, rootM, [])).toBe(false);
    expect(verifyConsistency(-1, n, rootM, rootN, [])).toBe(false);
    expect(verifyConsistency(m, Number.NaN, rootM, rootN, [])).toBe(false);
    expect(verifyConsistency(m, Infinity, rootM, rootN, [])).toBe(false);
  });
});

describe('verifiers on large trees', () => {
  // A log whose entries are all the same: every complete subtree at level L then has the same
  // hash, so a lookup answering by level alone is a faithful store of a tree of any size.
  const byLevel = [leafHash(new TextEncoder().encode('same entry'))];
  for (let level = 1; level <= 53; level++)
    byLevel.push(interiorHash(byLevel[level - 1], byLevel[level - 1]));
  const uniform: StoredHashes = { leaf: () => byLevel[0], node: (level) => byLevel[level] };

  it('verifies proofs in trees beyond 2^32 leaves, where 32-bit arithmetic would break', () => {
    const sizes = fc.integer({ min: 2 ** 32 - 5, max: 2 ** 52 });
    fc.assert(
      fc.property(sizes, fc.double({ min: 0, max: 1, noNaN: true }), (n, at) => {
        const index = Math.min(n - 1, Math.floor(at * n));
        const m = Math.max(1, index);
        const root = rootFrom(n, uniform);
        const inclusion = inclusionProofFrom(index, n, uniform);
        expect(inclusion.length).toBeLessThanOrEqual(53);
        expect(verifyInclusion(byLevel[0], index, n, inclusion, root)).toBe(true);
        expect(verifyInclusion(byLevel[0], index, n, inclusion.slice(1), root)).toBe(false);
        const consistency = consistencyProofFrom(m, n, uniform);
        expect(verifyConsistency(m, n, rootFrom(m, uniform), root, consistency)).toBe(true);
        expect(verifyConsistency(m, n, rootFrom(m, uniform), root, consistency.slice(1))).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

const isHash = (x: unknown) => x instanceof Uint8Array && x.length === 32;
const isSize = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;

describe('verifiers on hostile input', () => {
  const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const junk = fc.oneof(
    fc.anything(),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(Number.NaN, Infinity, -1, 0.5, 2 ** 53, -0, null, undefined, '3', 3n),
  );
  const maybe = <T>(valid: fc.Arbitrary<T>) => fc.oneof(valid, junk);
  const size = fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat());
  const proof = fc.oneof(fc.array(maybe(hash), { maxLength: 70 }), junk);

  it('never throw, whatever they are given, and accept only well-formed input', () => {
    fc.assert(
      fc.property(maybe(hash), maybe(size), maybe(size), proof, maybe(hash), (a, b, c, d, e) => {
        const inclusion = () => verifyInclusion(a as never, b as never, c as never, d as never, e as never);
        const rebuilt = () => rootFromInclusion(a as never, b as never, c as never, d as never);
        const consistency = () =>
          verifyConsistency(b as never, c as never, a as never, e as never, d as never);
        expect(inclusion).not.toThrow();
        expect(rebuilt).not.toThrow();
        expect(consistency).not.toThrow();
        // Whatever is accepted is at least well formed (random well-formed input may coincide, e.g.
        // a one-leaf tree whose root is the leaf).
        // rootFromInclusion takes no root, so its well-formedness leaves `e` out.
        const proofWellFormed = isHash(a) && isSize(b) && isSize(c) && Array.isArray(d) && d.every(isHash);
        const wellFormed = proofWellFormed && isHash(e);
        if (inclusion()) expect(wellFormed && (b as number) < (c as number)).toBe(true);
        if (rebuilt() !== undefined) expect(proofWellFormed && (b as number) < (c as number)).toBe(true);
        if (consistency()) expect(wellFormed && (b as number) <= (c as number)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('rebuilds a root from a well-formed proof, whatever stands in the root argument', () => {
    // Found by the property above: rootFromInclusion has no root argument, so junk there is irrelevant.
    const zero = new Uint8Array(32);
    const path = Array.from({ length: 7 }, () => zero);
    expect(rootFromInclusion(zero, 0, 65, path)).toBeInstanceOf(Uint8Array);
    expect(verifyInclusion(zero, 0, 65, path, Number.NaN as never)).toBe(false);
  });

  it('gives up at once on a proof longer than any real one', () => {
    const long = Array.from({ length: 1_000_000 }, () => LEAF_0);
    expect(verifyInclusion(LEAF_0, 3, 2 ** 52, long, ROOT_8)).toBe(false);
    expect(verifyConsistency(3, 2 ** 52, ROOT_3, ROOT_8, long)).toBe(false);
  });
});

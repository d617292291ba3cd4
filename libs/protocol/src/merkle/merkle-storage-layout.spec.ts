import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { MerkleError } from './merkle-error';
import { hashToHex, leafHash } from './merkle-hash';
import * as logLayout from './merkle-log-layout';
import { mergePlans, StoredHashMap, type MerklePlan, type StoredHashes } from './merkle-plan';
import { MerkleStorageLayout } from './merkle-storage-layout';
import { rootFromInclusion, verifyConsistency, verifyInclusion } from './merkle-verify';

// ---------------------------------------------------------------------------------------------
// Reference: RFC 9162 2.1 taken literally, recursing over the whole list of entries. Its own
// SHA-256 calls (createHash) share nothing with the code under test. MTH is memoized on
// (start, end) only so that many queries over one list stay affordable.
// ---------------------------------------------------------------------------------------------

/** Where a proof element sits relative to the path; `seed` is SUBPROOF's MTH(D[m]) when b is false. */
type Side = 'left' | 'right' | 'seed';

interface ReferenceStep {
  readonly hash: Uint8Array;
  readonly side: Side;
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hasher = createHash('sha256');
  for (const part of parts) hasher.update(part);
  return hasher.digest();
}

/** k: the largest power of two smaller than n (n > 1). */
function referenceSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

class ReferenceTree {
  private readonly memo = new Map<string, Uint8Array>();

  constructor(private readonly entries: readonly Uint8Array[]) {}

  /** MTH(D[start:end]). */
  mth(start: number, end: number): Uint8Array {
    const n = end - start;
    if (n === 0) return sha256();
    if (n === 1) return sha256(Uint8Array.of(0), this.entries[start]);
    const key = `${start}:${end}`;
    let hash = this.memo.get(key);
    if (hash === undefined) {
      const k = referenceSplit(n);
      hash = sha256(Uint8Array.of(1), this.mth(start, start + k), this.mth(start + k, end));
      this.memo.set(key, hash);
    }
    return hash;
  }

  /** PATH(m, D[start:end]), m relative to start. */
  path(m: number, start: number, end: number): ReferenceStep[] {
    const n = end - start;
    if (n === 1) return [];
    const k = referenceSplit(n);
    if (m < k) return [...this.path(m, start, start + k), { hash: this.mth(start + k, end), side: 'right' }];
    return [...this.path(m - k, start + k, end), { hash: this.mth(start, start + k), side: 'left' }];
  }

  /** PROOF(m, D[n]); empty for m = 0 and m = n. */
  proof(m: number, n: number): ReferenceStep[] {
    return m === 0 || m === n ? [] : this.subproof(m, 0, n, true);
  }

  /** SUBPROOF(m, D[start:end], b), m relative to start. */
  private subproof(m: number, start: number, end: number, b: boolean): ReferenceStep[] {
    const n = end - start;
    if (m === n) return b ? [] : [{ hash: this.mth(start, end), side: 'seed' }];
    const k = referenceSplit(n);
    if (m <= k) {
      return [...this.subproof(m, start, start + k, b), { hash: this.mth(start + k, end), side: 'right' }];
    }
    return [
      ...this.subproof(m - k, start + k, end, false),
      { hash: this.mth(start, start + k), side: 'left' },
    ];
  }
}

/** The sides of PATH(index, D[size]) — the shape a verifier walks — or undefined if there is none. */
function pathSides(index: number, size: number): string | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return undefined;
  const sides: Side[] = [];
  for (let m = index, n = size; n > 1;) {
    const k = referenceSplit(n);
    if (m < k) {
      sides.unshift('right');
      n = k;
    } else {
      sides.unshift('left');
      m -= k;
      n -= k;
    }
  }
  return sides.join(',');
}

/** The sides of PROOF(m, D[n]), or undefined when there is no non-empty proof. */
function proofSides(m: number, n: number): string | undefined {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m <= 0 || m >= n) return undefined;
  const sides: Side[] = [];
  let b = true;
  for (let mm = m, nn = n; ;) {
    if (mm === nn) {
      if (!b) sides.unshift('seed');
      break;
    }
    const k = referenceSplit(nn);
    if (mm <= k) {
      sides.unshift('right');
      nn = k;
    } else {
      sides.unshift('left');
      mm -= k;
      nn -= k;
      b = false;
    }
  }
  return sides.join(',');
}

// ---------------------------------------------------------------------------------------------
// The code under test: the layout class with several sets of stored levels, and the exported
// functions.
// ---------------------------------------------------------------------------------------------

type LayoutUnderTest = Pick<
  MerkleStorageLayout,
  | 'isStoredLevel'
  | 'rootPlan'
  | 'rootFrom'
  | 'inclusionPlan'
  | 'inclusionProofFrom'
  | 'consistencyPlan'
  | 'consistencyProofFrom'
  | 'appendPlan'
  | 'append'
>;

const exportedLayout: LayoutUnderTest = {
  isStoredLevel: (level) => level === 0 || logLayout.isStoredLevel(level),
  rootPlan: logLayout.rootPlan,
  rootFrom: logLayout.rootFrom,
  inclusionPlan: logLayout.inclusionPlan,
  inclusionProofFrom: logLayout.inclusionProofFrom,
  consistencyPlan: logLayout.consistencyPlan,
  consistencyProofFrom: logLayout.consistencyProofFrom,
  appendPlan: logLayout.appendPlan,
  append: logLayout.appendLeaves,
};

const LAYOUTS: [string, LayoutUnderTest][] = [
  ['every level stored', new MerkleStorageLayout({ lowest: 1, stride: 1 })],
  ['tiles: every 4th level stored', new MerkleStorageLayout({ lowest: 4, stride: 4 })],
  ['levels 2, 5, 8, …', new MerkleStorageLayout({ lowest: 2, stride: 3 })],
  ['levels 3 and up', new MerkleStorageLayout({ lowest: 3, stride: 1 })],
  ['the exported log layout (levels 4 and up)', exportedLayout],
];

const hex = hashToHex;
const encoder = new TextEncoder();

function entries(salt: number, count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => encoder.encode(`entry ${salt}/${i}`));
}

/** The database of the log: every leaf hash and every stored node, as the writer inserted them. */
class FakeLogTable {
  readonly rows = new StoredHashMap();
  leafCount = 0;
  nodeCount = 0;

  /**
   * What one query for `plan` returns, and nothing else. Fails when the plan repeats a
   * coordinate, asks for a row that was never stored, or reaches past the tree it is about.
   */
  fetch(plan: MerklePlan, treeSize: number): StoredHashes {
    const fetched = new StoredHashMap();
    const seen = new Set<string>();
    for (const index of plan.leaves) {
      if (seen.has(`0:${index}`)) throw new Error(`plan repeats leaf ${index}`);
      seen.add(`0:${index}`);
      if (index >= treeSize) throw new Error(`plan for size ${treeSize} asks for leaf ${index}`);
      const hash = this.rows.leaf(index);
      if (!hash) throw new Error(`plan asks for leaf ${index}, which is not stored`);
      fetched.addLeaf(index, hash);
    }
    for (const { level, index } of plan.nodes) {
      if (seen.has(`${level}:${index}`)) throw new Error(`plan repeats node ${level}/${index}`);
      seen.add(`${level}:${index}`);
      if ((index + 1) * 2 ** level > treeSize) {
        throw new Error(`plan for size ${treeSize} asks for node ${level}/${index}`);
      }
      const hash = this.rows.node(level, index);
      if (!hash) throw new Error(`plan asks for node ${level}/${index}, which is not stored`);
      fetched.addNode(level, index, hash);
    }
    return fetched;
  }
}

/**
 * Appends `data` in the batches given by `cuts`, the way the log writer does: one read of the
 * append plan, one write of the leaves and completed nodes. Checks every batch against the
 * reference: the new root, and exactly the complete aligned subtrees at stored levels that the
 * batch completes.
 */
function buildLog(layout: LayoutUnderTest, data: Uint8Array[], cuts: number[]): FakeLogTable {
  const reference = new ReferenceTree(data);
  const table = new FakeLogTable();
  // Repeated cuts make empty batches, which must work too.
  const batchEnds = [...cuts, data.length].sort((a, b) => a - b);
  let size = 0;
  for (const end of batchEnds) {
    const batch = data.slice(size, end).map(leafHash);
    const outcome = layout.append(size, batch, table.fetch(layout.appendPlan(size), size));

    expect(outcome.size).toBe(end);
    expect(hex(outcome.root)).toBe(hex(reference.mth(0, end)));
    const expectedNodes: string[] = [];
    for (let level = 1; 2 ** level <= end; level++) {
      if (!layout.isStoredLevel(level)) continue;
      const width = 2 ** level;
      for (let index = Math.floor(size / width); index < Math.floor(end / width); index++) {
        expectedNodes.push(`${level}/${index}/${hex(reference.mth(index * width, (index + 1) * width))}`);
      }
    }
    expect(outcome.nodes.map((n) => `${n.level}/${n.index}/${hex(n.hash)}`)).toEqual(expectedNodes);

    batch.forEach((hash, i) => table.rows.addLeaf(size + i, hash));
    for (const node of outcome.nodes) table.rows.addNode(node.level, node.index, node.hash);
    table.leafCount += batch.length;
    table.nodeCount += outcome.nodes.length;
    size = end;
  }
  return table;
}

function problemOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    if (!(error instanceof MerkleError)) throw error;
    return error.problem;
  }
}

function flipped(hash: Uint8Array, byte: number, mask = 0x01): Uint8Array {
  const copy = Uint8Array.from(hash);
  copy[byte] ^= mask;
  return copy;
}

/** Sizes and indexes near every power of two up to 4097, plus 0. */
const EDGE_SIZES = [
  0,
  ...Array.from({ length: 13 }, (_, k) => [2 ** k - 1, 2 ** k, 2 ** k + 1]).flat(),
].filter((n, i, all) => all.indexOf(n) === i);

function checkInclusion(
  layout: LayoutUnderTest,
  table: FakeLogTable,
  reference: ReferenceTree,
  index: number,
  size: number,
  tamper: boolean,
): void {
  const proof = layout.inclusionProofFrom(index, size, table.fetch(layout.inclusionPlan(index, size), size));
  expect(proof.map(hex)).toEqual(reference.path(index, 0, size).map((step) => hex(step.hash)));

  const leaf = reference.mth(index, index + 1);
  const root = reference.mth(0, size);
  expect(verifyInclusion(leaf, index, size, proof, root)).toBe(true);
  expect(hex(rootFromInclusion(leaf, index, size, proof) ?? new Uint8Array())).toBe(hex(root));
  if (!tamper) return;

  // Each probe names a change and whether the verifier should still accept; one assertion at the
  // end lists every probe it got wrong.
  const wrong: string[] = [];
  const probe = (name: string, accepted: boolean, shouldAccept = false) => {
    if (accepted !== shouldAccept) wrong.push(name);
  };
  proof.forEach((element, i) => {
    for (let byte = 0; byte < element.length; byte++) {
      const bad = proof.map((e, j) => (j === i ? flipped(e, byte) : e));
      probe(`proof[${i}] byte ${byte}`, verifyInclusion(leaf, index, size, bad, root));
    }
  });
  for (let byte = 0; byte < 32; byte++) {
    probe(`leaf byte ${byte}`, verifyInclusion(flipped(leaf, byte, 0x80), index, size, proof, root));
    probe(`root byte ${byte}`, verifyInclusion(leaf, index, size, proof, flipped(root, byte, 0x80)));
  }
  probe('root appended', verifyInclusion(leaf, index, size, [...proof, root], root));
  probe('root prepended', verifyInclusion(leaf, index, size, [root, ...proof], root));
  if (proof.length > 0) {
    probe('first dropped', verifyInclusion(leaf, index, size, proof.slice(1), root));
    probe('last dropped', verifyInclusion(leaf, index, size, proof.slice(0, -1), root));
  }

  // A wrong position fails, except where the RFC verifier cannot tell: a size whose path to
  // `index` has exactly the same shape (e.g. leaf 4 of 7 and of 8). The tree head's signature,
  // not the proof, is what binds a root to its size.
  const shape = pathSides(index, size);
  const positions: [number, number][] = [
    [index - 1, size],
    [index + 1, size],
    [index ^ 1, size],
    [index ^ 2, size],
    [size - 1 - index, size],
    [index, size - 1],
    [index, size + 1],
    [index, size * 2],
    [index, Math.floor(size / 2)],
    [index, 2 ** Math.ceil(Math.log2(size))],
    [size, size],
  ];
  for (const [i, n] of positions) {
    if (i === index && n === size) continue;
    probe(`position ${i} of ${n}`, verifyInclusion(leaf, i, n, proof, root), pathSides(i, n) === shape);
  }
  expect(wrong).toEqual([]);
}

function checkConsistency(
  layout: LayoutUnderTest,
  table: FakeLogTable,
  reference: ReferenceTree,
  m: number,
  n: number,
  tamper: boolean,
): void {
  const proof = layout.consistencyProofFrom(m, n, table.fetch(layout.consistencyPlan(m, n), n));
  expect(proof.map(hex)).toEqual(reference.proof(m, n).map((step) => hex(step.hash)));

  const rootM = reference.mth(0, m);
  const rootN = reference.mth(0, n);
  expect(verifyConsistency(m, n, rootM, rootN, proof)).toBe(true);
  // Empty proofs (m = 0, m = n) have their own cases in merkle-verify.spec.ts.
  if (!tamper || m === 0 || m === n) return;

  const wrong: string[] = [];
  const probe = (name: string, accepted: boolean, shouldAccept = false) => {
    if (accepted !== shouldAccept) wrong.push(name);
  };
  proof.forEach((element, i) => {
    for (let byte = 0; byte < element.length; byte++) {
      const bad = proof.map((e, j) => (j === i ? flipped(e, byte) : e));
      probe(`proof[${i}] byte ${byte}`, verifyConsistency(m, n, rootM, rootN, bad));
    }
  });
  for (let byte = 0; byte < 32; byte++) {
    probe(`old root byte ${byte}`, verifyConsistency(m, n, flipped(rootM, byte, 0x80), rootN, proof));
    probe(`new root byte ${byte}`, verifyConsistency(m, n, rootM, flipped(rootN, byte, 0x80), proof));
  }
  probe('new root appended', verifyConsistency(m, n, rootM, rootN, [...proof, rootN]));
  probe('old root prepended', verifyConsistency(m, n, rootM, rootN, [rootM, ...proof]));
  probe('first dropped', verifyConsistency(m, n, rootM, rootN, proof.slice(1)));
  probe('last dropped', verifyConsistency(m, n, rootM, rootN, proof.slice(0, -1)));
  probe('roots swapped', verifyConsistency(m, n, rootN, rootM, proof));

  // Wrong sizes fail unless the proof for them has exactly the same shape (see checkInclusion).
  const shape = proofSides(m, n);
  const sizes: [number, number][] = [
    [m - 1, n],
    [m + 1, n],
    [m ^ 2, n],
    [m, n - 1],
    [m, n + 1],
    [m, n * 2],
    [m, Math.floor(n / 2)],
    [n, m],
  ];
  for (const [a, b] of sizes) {
    if (a === m && b === n) continue;
    probe(`sizes ${a} to ${b}`, verifyConsistency(a, b, rootM, rootN, proof), proofSides(a, b) === shape);
  }
  expect(wrong).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Known answers: Certificate Transparency's reference test tree, as published in Trillian's
// RFC 6962 vectors (transparency-dev/merkle proof/verify_test.go; the same roots appear in
// google/certificate-transparency's merkle tests). Checked against the reference as well.
// ---------------------------------------------------------------------------------------------

const CT_ENTRIES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));

const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Published inclusion proofs, with 0-based leaf indexes (the source numbers leaves from 1). */
const CT_INCLUSION: { index: number; size: number; proof: string[] }[] = [
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

const CT_CONSISTENCY: { m: number; n: number; proof: string[] }[] = [
  {
    m: 1,
    n: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    m: 6,
    n: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    m: 2,
    n: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    m: 6,
    n: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

describe('Merkle reference (naive RFC 9162 recursion)', () => {
  const reference = new ReferenceTree(CT_ENTRIES);

  it('gives the published roots of the CT test tree for sizes 1 to 8, and SHA-256("") for 0', () => {
    expect(CT_ROOTS.map((_, i) => hex(reference.mth(0, i + 1)))).toEqual(CT_ROOTS);
    expect(hex(reference.mth(0, 0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('gives the published inclusion and consistency proofs', () => {
    for (const { index, size, proof } of CT_INCLUSION) {
      expect(reference.path(index, 0, size).map((s) => hex(s.hash))).toEqual(proof);
    }
    for (const { m, n, proof } of CT_CONSISTENCY) {
      expect(reference.proof(m, n).map((s) => hex(s.hash))).toEqual(proof);
    }
  });
});

describe.each(LAYOUTS)('Merkle storage: %s', (_name, layout) => {
  it('reproduces the published CT roots and proofs, appending one leaf at a time or in two batches', () => {
    for (const cuts of [[1, 2, 3, 4, 5, 6, 7], [3]]) {
      const table = buildLog(layout, CT_ENTRIES, cuts);
      for (let size = 1; size <= 8; size++) {
        expect(hex(layout.rootFrom(size, table.fetch(layout.rootPlan(size), size)))).toBe(CT_ROOTS[size - 1]);
      }
      for (const { index, size, proof } of CT_INCLUSION) {
        const got = layout.inclusionProofFrom(
          index,
          size,
          table.fetch(layout.inclusionPlan(index, size), size),
        );
        expect(got.map(hex)).toEqual(proof);
      }
      for (const { m, n, proof } of CT_CONSISTENCY) {
        const got = layout.consistencyProofFrom(m, n, table.fetch(layout.consistencyPlan(m, n), n));
        expect(got.map(hex)).toEqual(proof);
      }
    }
  });

  it('matches the reference for every root, inclusion and consistency proof of trees up to 40 leaves', () => {
    const data = entries(7, 40);
    const reference = new ReferenceTree(data);
    const table = buildLog(layout, data, [1, 3, 6, 10, 15, 21, 28, 36]);
    for (let n = 0; n <= 40; n++) {
      expect(hex(layout.rootFrom(n, table.fetch(layout.rootPlan(n), n)))).toBe(hex(reference.mth(0, n)));
      for (let i = 0; i < n; i++) checkInclusion(layout, table, reference, i, n, false);
      for (let m = 0; m <= n; m++) checkConsistency(layout, table, reference, m, n, false);
    }
  });

  it('agrees with the reference on random sizes and batch splits, and every tampering fails', () => {
    const size = fc.oneof(fc.constantFrom(...EDGE_SIZES), fc.integer({ min: 0, max: 3000 }));
    const scenario = size.chain((total) =>
      fc.record({
        total: fc.constant(total),
        salt: fc.nat(),
        cuts: fc.array(fc.integer({ min: 0, max: total }), { maxLength: 10 }),
        points: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ total, salt, cuts, points }) => {
        const data = entries(salt, total);
        const reference = new ReferenceTree(data);
        const table = buildLog(layout, data, cuts);
        expect(table.leafCount).toBe(total);
        if (total === 0) {
          expect(hex(layout.rootFrom(0, table.fetch(layout.rootPlan(0), 0)))).toBe(hex(reference.mth(0, 0)));
          return;
        }
        // The newest tree and older ones, as served while the log keeps growing.
        const sizes = [total, ...points.map(([a]) => 1 + (a % total))];
        for (const [k, n] of sizes.entries()) {
          const [a, b] = points[k % points.length];
          expect(hex(layout.rootFrom(n, table.fetch(layout.rootPlan(n), n)))).toBe(hex(reference.mth(0, n)));
          // Tampering is probed exhaustively on one inclusion and one consistency proof per run.
          const tamperIndex = b % n;
          const tamperM = n > 1 ? 1 + (a % (n - 1)) : 0;
          for (const index of new Set([0, n - 1, tamperIndex])) {
            checkInclusion(layout, table, reference, index, n, k === 0 && index === tamperIndex);
          }
          for (const m of new Set([0, 1, n - 1, n, tamperM, b % (n + 1)])) {
            checkConsistency(layout, table, reference, m, n, k === 0 && m === tamperM);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('asks for the same rows to append to a tree as to compute its root', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...EDGE_SIZES), fc.nat({ max: 2 ** 40 })), (n) => {
        const sorted = (plan: MerklePlan) => ({
          leaves: [...plan.leaves].sort((a, b) => a - b),
          nodes: plan.nodes.map((c) => `${c.level}/${c.index}`).sort(),
        });
        expect(sorted(layout.appendPlan(n))).toEqual(sorted(layout.rootPlan(n)));
      }),
    );
  });

  it('stores one row per complete subtree at a stored level, Σ 2^-L rows per leaf over those levels', () => {
    const table = buildLog(layout, entries(1, 5000), [1000, 2000, 2500, 4999]);
    let expected = 0;
    let rowsPerLeaf = 0;
    for (let level = 1; level <= 60; level++) {
      if (!layout.isStoredLevel(level)) continue;
      expected += Math.floor(5000 / 2 ** level);
      rowsPerLeaf += 2 ** -level;
    }
    expect(table.nodeCount).toBe(expected);
    expect(table.nodeCount / 5000).toBeLessThanOrEqual(rowsPerLeaf);
  });

  it('refuses impossible positions and reports a row missing from the lookup', () => {
    const table = buildLog(layout, entries(3, 20), []);
    expect(problemOf(() => layout.inclusionPlan(20, 20))).toBe('invalid-argument');
    expect(problemOf(() => layout.inclusionPlan(-1, 20))).toBe('invalid-argument');
    expect(problemOf(() => layout.inclusionProofFrom(0.5, 20, new StoredHashMap()))).toBe('invalid-argument');
    expect(problemOf(() => layout.consistencyPlan(21, 20))).toBe('invalid-argument');
    expect(problemOf(() => layout.rootPlan(2 ** 53))).toBe('invalid-argument');
    expect(
      problemOf(() => layout.append(2 ** 53 - 1, [leafHash(new Uint8Array())], new StoredHashMap())),
    ).toBe('invalid-argument');
    expect(problemOf(() => layout.rootFrom(20, new StoredHashMap()))).toBe('missing-hash');
    expect(problemOf(() => layout.append(20, [], new StoredHashMap()))).toBe('missing-hash');
    const hashes = table.fetch(layout.appendPlan(20), 20);
    expect(problemOf(() => layout.append(20, [new Uint8Array(31)], hashes))).toBe('malformed-hash');
    expect(problemOf(() => layout.append(20, [leafHash(new Uint8Array())], hashes))).toBeUndefined();
  });
});

describe('Merkle storage: the exported log layout', () => {
  it('serves a consistency proof and both roots from one merged query', () => {
    const data = entries(9, 300);
    const reference = new ReferenceTree(data);
    const table = buildLog(exportedLayout, data, [100, 257]);
    const plan = mergePlans(
      logLayout.consistencyPlan(37, 300),
      logLayout.rootPlan(37),
      logLayout.rootPlan(300),
    );
    const hashes = table.fetch(plan, 300);
    expect(hex(logLayout.rootFrom(37, hashes))).toBe(hex(reference.mth(0, 37)));
    expect(hex(logLayout.rootFrom(300, hashes))).toBe(hex(reference.mth(0, 300)));
    expect(logLayout.consistencyProofFrom(37, 300, hashes).map(hex)).toEqual(
      reference.proof(37, 300).map((step) => hex(step.hash)),
    );
  });

  it('plans few rows even for a tree of 2^50 leaves', () => {
    const size = 2 ** 50 + 12345;
    const inclusion = logLayout.inclusionPlan(2 ** 49 + 777, size);
    const consistency = logLayout.consistencyPlan(2 ** 33 + 5, size);
    const root = logLayout.rootPlan(size);
    for (const plan of [inclusion, consistency, root]) {
      for (const index of plan.leaves) expect(index).toBeLessThan(size);
      for (const { level, index } of plan.nodes) {
        expect(logLayout.isStoredLevel(level)).toBe(true);
        expect((index + 1) * 2 ** level).toBeLessThanOrEqual(size);
      }
    }
    // Leaves only stand in for subtrees below level 4: at most 15 per complete-subtree sibling band
    // and 15 per incomplete range on the right edge; every other element is one node row.
    expect(inclusion.leaves.length).toBeLessThanOrEqual(30);
    expect(inclusion.nodes.length).toBeLessThanOrEqual(51);
    expect(consistency.leaves.length).toBeLessThanOrEqual(45);
    expect(consistency.nodes.length).toBeLessThanOrEqual(2 * 51);
    expect(root.leaves.length).toBeLessThanOrEqual(15);
    expect(root.nodes.length).toBeLessThanOrEqual(47);
    expect([0, 1, 2, 3, 4, 5, 40].map(logLayout.isStoredLevel)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });
});

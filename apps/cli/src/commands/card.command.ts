import { readFile, writeFile } from 'node:fs/promises';
import { NodeCardError, verifyNodeCard, type SignedNodeCard } from '@regulink/protocol';
import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import { defineCommand, defineGroup, UsageError } from './command';
import { ExitCode } from './exit-code';
import type { Peer } from './peers.command';

/** The card as the node gives it, read loosely: it is printed, not checked. */
interface SignedCard {
  card: {
    region?: string;
    name?: string;
    keys?: { kid?: string }[];
    activeKid?: string;
    retired?: Record<string, string>;
    [field: string]: unknown;
  };
  jws: string;
}

const kidsOf = (card: SignedCard['card']) => (card.keys ?? []).map((k) => k.kid ?? '?');

/** `K2 (active), K1 (retired 2026-12-04T08:00:00.000Z)`: the keys to read out to a partner. */
function keysLine(
  active: string | undefined,
  kids: readonly string[],
  retired: Record<string, string> = {},
): string {
  return kids
    .map((kid) =>
      kid === active ? `${kid} (active)` : retired[kid] ? `${kid} (retired ${retired[kid]})` : kid,
    )
    .join(', ');
}

const exportCommand = defineCommand({
  usage: `usage: regulink card export [--out <file>] [--url …] [--json]

Fetches the node's signed card (GET /.well-known/regulink/node-card), to hand to the
administrator of another region. Without --out it is printed on stdout.

  --out <file>   write the card to this file
${NODE_OPTIONS_USAGE}`,
  options: { ...NODE_OPTIONS, out: { type: 'string' } },
  async action({ args, json, out, env }) {
    const api = await connectToNode(args, env);
    const signed = await api.call<SignedCard>('GET', '/.well-known/regulink/node-card');
    const file = args.string('out');
    if (file === undefined) {
      out.log(JSON.stringify(signed, null, 2));
      return ExitCode.Ok;
    }
    try {
      await writeFile(file, `${JSON.stringify(signed, null, 2)}\n`);
    } catch (error) {
      throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
    }
    const { card } = signed;
    const summary = {
      file,
      region: card.region,
      name: card.name,
      kids: kidsOf(card),
      activeKid: card.activeKid,
      retired: card.retired ?? {},
    };
    if (json) out.log(JSON.stringify(summary, null, 2));
    else {
      out.log(`node card of ${summary.region} (${summary.name}) written to ${file}`);
      out.log(`  key thumbprints: ${keysLine(card.activeKid, summary.kids, card.retired)}`);
    }
    return ExitCode.Ok;
  },
});

const importCommand = defineCommand({
  usage: `usage: regulink card import <file> [--allow] [--url …] [--json]

Imports another node's signed card as a peer and pins its keys (POST /federation/peers).
The card is checked here first, as the node checks it (its shape, keys and signature): a file
that is not a signed card is refused (exit 2) and nothing is sent. Compare the key thumbprints
printed with those the other region's administrator gives you by another channel before
allowing the peer.

  --allow        put the peer on the allow list at once
${NODE_OPTIONS_USAGE}`,
  options: { ...NODE_OPTIONS, allow: { type: 'boolean' } },
  positionals: { min: 1, max: 1, what: 'the card file' },
  async action({ args, json, out, env }) {
    const file = args.positionals[0]!;
    const signed = await readCard(file);
    const api = await connectToNode(args, env);
    const peer = await api.call<Peer>('POST', '/federation/peers', {
      json: { card: signed.card, jws: signed.jws, allow: args.flag('allow') },
    });
    if (json) out.log(JSON.stringify(peer, null, 2));
    else {
      out.log(`imported peer ${peer.region} (${peer.name}), ${peer.allowed ? 'allowed' : 'not allowed yet'}`);
      out.log(`  API         ${peer.apiEndpoint}`);
      out.log(`  federation  ${peer.federationEndpoint}`);
      out.log(`  pinned keys ${peer.pinnedKids.join(', ')}`);
    }
    return ExitCode.Ok;
  },
});

const repinCommand = defineCommand({
  usage: `usage: regulink card repin <file> [--url …] [--json]

Replaces the keys pinned for a peer with those of its new card (POST /federation/peers/:region/repin),
as after the other region rotated its key: an explicit administrator act, logged. The card is checked
here first, as by card import. Compare the active key's thumbprint with the one the other region's
administrator gives you by another channel before re-pinning.
${NODE_OPTIONS_USAGE}`,
  options: { ...NODE_OPTIONS },
  positionals: { min: 1, max: 1, what: 'the card file' },
  async action({ args, json, out, env }) {
    const signed = await readCard(args.positionals[0]!);
    const api = await connectToNode(args, env);
    const peer = await api.call<Peer>('POST', `/federation/peers/${signed.card.region}/repin`, {
      json: { card: signed.card, jws: signed.jws },
    });
    if (json) out.log(JSON.stringify(peer, null, 2));
    else {
      out.log(`re-pinned the keys of peer ${peer.region} (${peer.name})`);
      out.log(`  pinned keys ${keysLine(signed.card.activeKid, peer.pinnedKids, peer.retiredKids)}`);
    }
    return ExitCode.Ok;
  },
});

const rotateCommand = defineCommand({
  usage: `usage: regulink card rotate [--url …] [--json]

Makes the node sign with a new key from now on (POST /node/keys/rotate); the old key is retired,
and stays on the card for what it signed before. Then: export the card (regulink card export) and
give it to each partner, whose administrator re-pins it (regulink card repin <file>); renew the
agreements, so that they pin the new key.
${NODE_OPTIONS_USAGE}`,
  options: { ...NODE_OPTIONS },
  async action({ args, json, out, env }) {
    const api = await connectToNode(args, env);
    const rotated = await api.call<{ activeKid: string; retiredKid: string }>('POST', '/node/keys/rotate');
    if (json) out.log(JSON.stringify(rotated, null, 2));
    else {
      out.log(`the node now signs with key ${rotated.activeKid}; key ${rotated.retiredKid} is retired`);
      out.log(
        '  next: regulink card export --out card.json, to each partner for: regulink card repin card.json',
      );
      out.log('        then renew the agreements, so that they pin the new key');
    }
    return ExitCode.Ok;
  },
});

/**
 * The signed card in `file`, checked here as the node will check it (shape, keys, signature), so
 * that a file that is not one is refused before anything is sent.
 */
async function readCard(file: string): Promise<SignedNodeCard> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the card ${file}: ${(error as Error).message}`);
  }
  try {
    const card = await verifyNodeCard(parsed);
    return { card, jws: (parsed as { jws: string }).jws };
  } catch (error) {
    if (!(error instanceof NodeCardError)) throw error;
    throw new UsageError(
      `${file} is not a signed node card ({card, jws}, as card export writes it): ${error.message}`,
    );
  }
}

/** `regulink card export|import|repin|rotate`: node cards between regions, and the node's key. */
export const cardCommand = defineGroup(
  'card',
  'Node cards: how two regions connect their nodes, and rotate keys.',
  {
    export: { command: exportCommand, synopsis: 'export [--out <file>]' },
    import: { command: importCommand, synopsis: 'import <file> [--allow]' },
    repin: { command: repinCommand, synopsis: 'repin <file>' },
    rotate: { command: rotateCommand, synopsis: 'rotate' },
  },
);

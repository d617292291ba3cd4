import { connectToNode, NODE_OPTIONS, NODE_OPTIONS_USAGE } from '../api/node-connection';
import { defineCommand } from './command';
import { ExitCode } from './exit-code';
import { formatTable } from './table-format';

/** A peer as the node's API lists it. */
export interface Peer {
  region: string;
  name: string;
  apiEndpoint: string;
  federationEndpoint: string;
  pinnedKids: string[];
  /** When the peer retired each key it has retired (kid → time). */
  retiredKids: Record<string, string>;
  allowed: boolean;
  importedAt: string;
}

/** `regulink peers`: the nodes whose cards this node imported. */
export const peersCommand = defineCommand({
  usage: `usage: regulink peers [--url …] [--json]

Lists the peers of the node (GET /federation/peers): region, name, allowed, endpoints, pinned keys.

${NODE_OPTIONS_USAGE}`,
  options: NODE_OPTIONS,
  async action({ args, json, out, env }) {
    const api = await connectToNode(args, env);
    const peers = await api.call<Peer[]>('GET', '/federation/peers');
    if (json) {
      out.log(JSON.stringify(peers, null, 2));
      return ExitCode.Ok;
    }
    if (peers.length === 0) {
      out.log("no peers yet: import another node's card with regulink card import <file> --allow");
      return ExitCode.Ok;
    }
    const rows = peers.map((p) => [
      p.region,
      p.name,
      p.allowed ? 'yes' : 'no',
      p.apiEndpoint,
      p.federationEndpoint,
      p.pinnedKids.join(','),
    ]);
    for (const line of formatTable(['REGION', 'NAME', 'ALLOWED', 'API', 'FEDERATION', 'PINNED KEYS'], rows)) {
      out.log(line);
    }
    return ExitCode.Ok;
  },
});

import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { normalizeShopUrl } from '@regulink/domain';
import { ApiError } from '../api/node-api';
import { connectToNode } from '../api/node-connection';
import { defineCommand, defineGroup, UsageError } from './command';
import { ExitCode } from './exit-code';
import { verifyEvidenceCommand } from './verify-evidence.command';

const exportCommand = defineCommand({
  usage: `usage: regulink evidence export (--shop | --landing) --platform <p> --url <shop URL> --out <file>
                               [--force] [--node <node URL>] [--token …] [--json]

Saves the evidence bundle of a record received from another region, exactly as the node gives it:
--shop, a shop synced here (GET /registry/evidence/shop); --landing, a landing result returned
here (GET /registry/evidence/landing). Check it offline with regulink evidence verify <file>.

  --platform <p>     the shop's platform
  --url <shop URL>   the shop's URL, in any written form (normalized as the node keys shops)
  --out <file>       where to write the bundle (not overwritten unless --force)
  --node <node URL>  the node (here --url names the shop; default: REGULINK_URL, else the
                     last node signed in to)
  --token <token>    bearer token (default: REGULINK_TOKEN, else the one stored by login)`,
  options: {
    token: { type: 'string' },
    node: { type: 'string' },
    url: { type: 'string' },
    shop: { type: 'boolean' },
    landing: { type: 'boolean' },
    platform: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  },
  async action({ args, json, out, env }) {
    if (args.flag('shop') === args.flag('landing')) throw new UsageError('give one of --shop or --landing');
    const kind = args.flag('shop') ? 'shop' : 'landing';
    const platform = args.required('platform');
    const file = args.required('out');
    const shopText = args.required('url');
    const parsed = normalizeShopUrl(shopText);
    if (parsed.status !== 'valid') throw new UsageError(`not a shop URL: ${shopText} (${parsed.reason})`);
    const api = await connectToNode(args, env, 'node');
    const query = new URLSearchParams({ platform, url: parsed.url });
    const response = await api.raw('GET', `/registry/evidence/${kind}?${query}`);
    const body = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) {
      let error: { code?: string; message?: string } = {};
      try {
        error = JSON.parse(Buffer.from(body).toString('utf8')) as typeof error;
      } catch {
        // not the standard error body
      }
      throw new ApiError(
        response.status,
        error.code ?? `HTTP_${response.status}`,
        error.message ?? response.statusText,
      );
    }
    try {
      await writeFile(file, body, { flag: args.flag('force') ? 'w' : 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`${file} exists; give --force to overwrite it`);
      }
      throw new UsageError(`cannot write ${file}: ${(error as Error).message}`);
    }
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (json)
      out.log(JSON.stringify({ file, kind, platform, url: parsed.url, bytes: body.length, sha256 }, null, 2));
    else {
      out.log(`evidence of the ${kind === 'shop' ? 'shop' : 'landing result'} ${platform} ${parsed.url}`);
      out.log(`  written to ${file} (${body.length} bytes, sha256 ${sha256})`);
      out.log(`  check it offline with: regulink evidence verify ${file}`);
    }
    return ExitCode.Ok;
  },
});

/** `regulink evidence export|verify`: evidence bundles out of a node, and checked offline. */
export const evidenceCommand = defineGroup(
  'evidence',
  'Evidence bundles of records received from other regions.',
  {
    export: {
      command: exportCommand,
      synopsis: 'export --shop|--landing --platform <p> --url <shop URL> --out <file>',
    },
    verify: { command: verifyEvidenceCommand, synopsis: 'verify <file>' },
  },
);

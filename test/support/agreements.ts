import { v7 as uuidv7 } from 'uuid';
import { Clock, ExchangeRefusedException, FederationTransport, OutboxService } from '@regulink/federation';
import { NodeIdentityService } from '@regulink/identity';
import {
  importPublicKey,
  receiptKid,
  signEnvelope,
  verifyReceipt,
  type AgreementDocument,
  type EnvelopeClaims,
  type PublicSigningJwk,
  type ReceiptClaims,
  type Signer,
} from '@regulink/protocol';
import { eventually } from './federation';
import { sql, type TestNode } from './test-node';

/** Helpers of the multi-node agreement tests: the admin API, sending, and crafting envelopes. */

const DAY_MS = 86_400_000;

/** YYYY-MM-DD in China time, `days` from now. */
export function chinaDay(days = 0): string {
  return new Date(Date.now() + days * DAY_MS + 8 * 3600_000).toISOString().slice(0, 10);
}

/** An agreement as `GET /agreements/:id` shows it (the fields the tests read). */
export interface AgreementView {
  id: string;
  state: string;
  parties: string[];
  supersedes: string | null;
  validUntil: string;
  /** The parties holding it suspended, sorted. */
  suspendedBy: string[];
  signers: { region: string; kid: string }[];
  document: AgreementDocument | null;
  history: {
    action: string;
    region: string;
    actor: string;
    reason: string | null;
    noEffect: string | null;
    messageId: string | null;
  }[];
}

/** What the API helpers need of a node: in this process (`TestNode`) or a child process. */
export type ApiNode = Pick<TestNode, 'request' | 'adminToken' | 'config'>;

/** Calls a node's API as its administrator. */
export async function adminApi<T>(
  node: ApiNode,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: T }> {
  const response = await node.request(method, path, { token: await node.adminToken(), body });
  return { status: response.status, json: (await response.json()) as T };
}

/** Waits until the node holds the agreement in `state`; returns it then. */
export function agreementInState(node: ApiNode, id: string, state: string): Promise<AgreementView> {
  return eventually(
    async () => {
      const { json } = await adminApi<AgreementView>(node, 'GET', `/agreements/${id}`);
      return json.state === state ? json : undefined;
    },
    15_000,
    `agreement ${id} to become ${state} on ${node.config.node.region}`,
  );
}

/** A scope an agreement grants, as the draft API takes it. */
export interface GrantSpec {
  scope: string;
  from: string;
  to: string;
  dailyQuota?: number;
  disclosure?: 'two-step';
}

/**
 * Has `proposer` draft and propose an agreement with `partner` and the partner countersign it;
 * waits until the proposer holds it active and returns its id. In force from today for 30 days.
 */
export async function activeAgreement(
  proposer: ApiNode,
  partner: ApiNode,
  terms: { scopes: GrantSpec[]; fieldPolicy?: Record<string, string>; title?: string },
): Promise<string> {
  const region = partner.config.node.region;
  const drafted = await adminApi<AgreementView>(proposer, 'POST', '/agreements', {
    title: terms.title ?? `${proposer.config.node.region}–${region}`,
    partners: [region],
    scopes: terms.scopes,
    fieldPolicy: terms.fieldPolicy ?? {},
    validFrom: chinaDay(0),
    validUntil: chinaDay(30),
  });
  if (drafted.status !== 201) throw new Error(`agreement draft failed: ${drafted.status}`);
  const { id } = drafted.json;
  await adminApi(proposer, 'POST', `/agreements/${id}/propose`);
  await agreementInState(partner, id, 'pending');
  await adminApi(partner, 'POST', `/agreements/${id}/countersign`);
  await agreementInState(proposer, id, 'active');
  return id;
}

/** Sends through the node's outbox and waits for the outcome of delivery. */
export async function sendAndSettle(
  from: TestNode,
  to: string,
  type: string,
  body: Record<string, unknown>,
): Promise<{ id: string; status: string; code: string | null }> {
  const id = await from.app.get(OutboxService).send({ to, type, body });
  return eventually(
    async () => {
      const [row] = await sql<{ status: string; receipt_code: string | null }>(
        from,
        'SELECT status, receipt_code FROM federation_outbox WHERE id = $1',
        [id],
      );
      return row && row.status !== 'pending' ? { id, status: row.status, code: row.receipt_code } : undefined;
    },
    15_000,
    `delivery of ${id}`,
  );
}

/** Expects the sender to refuse the message before queueing it; returns the code. */
export async function refusedAtSender(
  node: TestNode,
  to: string,
  type: string,
  body: Record<string, unknown>,
): Promise<string> {
  const error = await node.app
    .get(OutboxService)
    .send({ to, type, body })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(ExchangeRefusedException);
  return (error as ExchangeRefusedException).code;
}

export async function publicKeys(node: TestNode): Promise<PublicSigningJwk[]> {
  return (
    (await (await node.request('GET', '/.well-known/jwks.json')).json()) as { keys: PublicSigningJwk[] }
  ).keys;
}

/**
 * Signs an envelope with the sender's real key (or `signer`, one of its keys), skipping the
 * sender's own checks, puts it on the receiver's federation listener, and returns the receiver's
 * verified receipt.
 */
export async function sendDirect(
  from: TestNode,
  to: TestNode,
  overrides: Partial<EnvelopeClaims> & Pick<EnvelopeClaims, 'type' | 'body'>,
  signer: Signer = from.app.get(NodeIdentityService).signer(),
): Promise<ReceiptClaims> {
  const now = from.app.get(Clock).nowSeconds();
  const claims: EnvelopeClaims = {
    v: 1,
    id: uuidv7(),
    from: from.config.node.region,
    to: to.config.node.region,
    agreement: null,
    iat: now,
    exp: now + 300,
    ...overrides,
  };
  const envelope = await signEnvelope(claims, signer);
  const reply = await from.app
    .get(FederationTransport)
    .request(to.config.federation.publicEndpoint, { envelope }, 10_000);
  const keys = await publicKeys(to);
  return verifyReceipt(
    reply.receipt!,
    await importPublicKey(keys.find((k) => k.kid === receiptKid(reply.receipt!))!),
  );
}

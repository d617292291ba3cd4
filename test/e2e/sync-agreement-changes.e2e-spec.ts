import { Client } from 'pg';
import { Role } from '@regulink/access';
import { newCreditCode } from '../factories/market-entity.factory';
import { newShopLine, shopReportCsv } from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import {
  activeAgreement,
  adminApi,
  agreementInState,
  chinaDay,
  type AgreementView,
} from '../support/agreements';
import { bootNodes, connectAll, eventually } from '../support/federation';
import { uploadImport } from '../support/imports';
import { sql, type TestNode } from '../support/test-node';

const A = '330000'; // the platform's region, where the shops are reported
const B = '370000'; // their operators' home

/**
 * Records that wait at a node while no agreement lets them go (none signed yet, one suspended,
 * one about to be renewed) reach the partner as soon as an agreement is in force again, whichever
 * side learns of it first: not at the next poll (a minute here).
 */
describe('sync when an agreement comes in force (two real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let agreement: string;
  let system: string;

  beforeAll(async () => {
    [a, b] = (await bootNodes([A, B], 'tcp')) as [TestNode, TestNode];
    await connectAll([a, b]);
    system = (await newUser(a, [Role.System])).token;
  }, 90_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** A shop at home in B reported at A, waiting there. */
  const reportShop = async () => {
    const shop = newShopLine({
      operatorCreditCode: newCreditCode('370102', '2'),
      operatingDivisionCode: '370102',
    });
    expect((await uploadImport(a, 'shops', shopReportCsv([shop]), { token: system })).json).toMatchObject({
      accepted: 1,
    });
    return shop;
  };
  const arrivesAtB = (shop: { shopId: string }) =>
    eventually(
      async () =>
        (await sql(b, 'SELECT 1 FROM registry_shop WHERE shop_id = $1 AND origin = $2', [shop.shopId, A]))
          .length > 0 || undefined,
      10_000,
      `shop ${shop.shopId} at B`,
    );

  it('sends what waited before the first agreement once it is signed', async () => {
    const shop = await reportShop();
    agreement = await activeAgreement(a, b, {
      scopes: [
        { scope: 'shop.sync', from: A, to: B },
        { scope: 'landing.result', from: B, to: A },
      ],
    });
    await arrivesAtB(shop);
  }, 60_000);

  it('sends what waited during a suspension once the resume is applied, however late', async () => {
    expect(
      (await adminApi(b, 'POST', `/agreements/${agreement}/suspend`, { reason: 'held for the test' })).status,
    ).toBe(200);
    await agreementInState(a, agreement, 'suspended');
    const shop = await reportShop();
    // B's sync status says A's shop feed is not pulled while the agreement is suspended.
    const shopFeed = async () =>
      (
        await adminApi<{ peer: string; kind: string; inForce: boolean }[]>(b, 'GET', '/registry/sync')
      ).json.find((row) => row.peer === A && row.kind === 'shop');
    expect(await shopFeed()).toMatchObject({ inForce: false });
    // A applies B's resume a moment late (its agreement row held, as a slow link would): B's own
    // look after resuming finds A still refusing.
    const hold = new Client({ connectionString: a.config.database.url });
    await hold.connect();
    try {
      await hold.query('BEGIN');
      await hold.query('SELECT id FROM agreement WHERE id = $1 FOR UPDATE', [agreement]);
      expect((await adminApi(b, 'POST', `/agreements/${agreement}/resume`)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      await hold.query('COMMIT');
    } finally {
      await hold.end();
    }
    await agreementInState(a, agreement, 'active');
    await arrivesAtB(shop);
    expect(await shopFeed()).toMatchObject({ inForce: true });
  }, 60_000);

  it('sends what waited during a suspension once a renewal takes over', async () => {
    expect(
      (await adminApi(a, 'POST', `/agreements/${agreement}/suspend`, { reason: 'held for the test' })).status,
    ).toBe(200);
    await agreementInState(b, agreement, 'suspended');
    const shop = await reportShop();
    const renewal = await adminApi<AgreementView>(a, 'POST', `/agreements/${agreement}/renew`, {
      validFrom: chinaDay(0),
      validUntil: chinaDay(60),
    });
    const id = renewal.json.id;
    expect((await adminApi(a, 'POST', `/agreements/${id}/propose`)).status).toBe(200);
    await agreementInState(b, id, 'pending');
    expect((await adminApi(b, 'POST', `/agreements/${id}/countersign`)).status).toBe(200);
    await agreementInState(a, id, 'active');
    await arrivesAtB(shop);
  }, 60_000);
});

import { Role } from '@regulink/access';
import { newCreditCode } from '../factories/market-entity.factory';
import {
  newRegistrationNumber,
  newShopLine,
  newUnregisteredShopLine,
  shopReportCsv,
} from '../factories/shop-report.factory';
import { newUser } from '../factories/user.factory';
import { adminApi, agreementInState, chinaDay, type AgreementView } from '../support/agreements';
import { bootNodes, connectAll } from '../support/federation';
import { uploadImport } from '../support/imports';
import type { TestNode } from '../support/test-node';

const A = '330000';
const B = '370000';
const C = '350000';

interface Route {
  region: string | null;
  shops: number;
  status: string;
  agreement: string | null;
  code: string | null;
  reason: string | null;
}

/**
 * The platform region's node knows where each reported shop belongs: at home with it, with a peer
 * it has a shop.sync agreement with, or blocked with the reason (no agreement, no node for that
 * province, nothing that locates the operator).
 */
describe('where reported shops belong (three real nodes)', () => {
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;

  beforeAll(async () => {
    [a, b, c] = (await bootNodes([A, B, C], 'tcp')) as [TestNode, TestNode, TestNode];
    await connectAll([a, b, c]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), c?.close()]);
  });

  const routes = async () => (await adminApi<Route[]>(a, 'GET', '/registry/shops/routes')).json;

  it('sends each shop to the node holding its operator’s home, only under a shop.sync agreement', async () => {
    const drafted = await adminApi<AgreementView>(a, 'POST', '/agreements', {
      title: 'Zhejiang–Shandong shop sync',
      partners: [B],
      scopes: [{ scope: 'shop.sync', from: A, to: B }],
      validFrom: chinaDay(0),
      validUntil: chinaDay(30),
    });
    const { id } = drafted.json;
    await adminApi(a, 'POST', `/agreements/${id}/propose`);
    await agreementInState(b, id, 'pending');
    await adminApi(b, 'POST', `/agreements/${id}/countersign`);
    await agreementInState(a, id, 'active');

    const system = await newUser(a, [Role.System]);
    const report = shopReportCsv([
      newShopLine(), // 330106: at home here
      newShopLine({ operatorCreditCode: newCreditCode('370102', '2'), operatingDivisionCode: '' }),
      newShopLine({ operatorCreditCode: newCreditCode('370211', '2') }), // Qingdao: Shandong's node
      newShopLine({ operatorCreditCode: newCreditCode('350211', '2') }), // Fujian: a peer, no agreement
      newShopLine({ operatorCreditCode: '', operatorRegistrationNumber: newRegistrationNumber('440305') }),
      newUnregisteredShopLine({ operatingDivisionCode: '' }), // nothing locates this seller
    ]);
    const imported = await uploadImport(a, 'shops', report, { token: system.token });
    expect(imported.json).toMatchObject({ accepted: 6, rejected: 0 });

    expect(await routes()).toEqual([
      { region: A, shops: 1, status: 'local', agreement: null, code: null, reason: null },
      {
        region: C,
        shops: 1,
        status: 'blocked',
        agreement: null,
        code: 'NO_AGREEMENT',
        reason: expect.any(String),
      },
      { region: B, shops: 2, status: 'ready', agreement: id, code: null, reason: null },
      {
        region: null,
        shops: 1,
        status: 'blocked',
        agreement: null,
        code: 'NO_HOME',
        reason: 'nothing locates the operator',
      },
      {
        region: null,
        shops: 1,
        status: 'blocked',
        agreement: null,
        code: 'NO_NODE',
        reason: 'no node holds province 440000',
      },
    ]);

    // The plan follows the agreement: suspended by Shandong, its shops wait, with the reason.
    await adminApi(b, 'POST', `/agreements/${id}/suspend`, { reason: 'audit of the scope' });
    await agreementInState(a, id, 'suspended');
    expect((await routes()).find((r) => r.region === B)).toMatchObject({
      shops: 2,
      status: 'blocked',
      code: 'AGREEMENT_SUSPENDED',
    });
  });

  it('is for administrators and provincial systems, not officers', async () => {
    const officer = await newUser(a, [Role.Officer]);
    const response = await a.request('GET', '/registry/shops/routes', { token: officer.token });
    expect(response.status).toBe(403);
  });
});

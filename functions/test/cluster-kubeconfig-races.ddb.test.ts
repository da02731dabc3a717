import { randomBytes } from 'node:crypto';
import { LocalKeyService } from '@spot/local/keys';
import { beforeAll, describe, expect, it } from 'vitest';
import { clusterKey } from '../src/data/entities/cluster';
import { clusterKubeconfigKey } from '../src/data/entities/cluster-kubeconfig';
import { deleteItem, getRaw } from '../src/data/repository';
import { configurePorts } from '../src/ports';
import type { KeyServicePort } from '../src/ports/types';
import { seedCluster } from './clusters-support';
import { expectContractResponse } from './support/contract';
import { call, signUpAndIn, useLocalServices } from './support/services';

/**
 * The two races of `PUT /api/client/clusters/{id}/kubeconfig` (ADR 0065), against DynamoDB Local: the route
 * reads the stored file, seals the new one, then writes it only while the cluster exists and the stored
 * file is still the one read. A hook in the key service (called between the read and the write, when the
 * new file is sealed) lets another request replace the file, or the cluster be removed, at that moment:
 * each is a 409 naming what happened, and what the other one wrote stays.
 */

type User = Awaited<ReturnType<typeof signUpAndIn>>;
let a: User;

/** The local key service, with a hook run once when the next data key is generated (mid-request). */
class HookedKeyService implements KeyServicePort {
  private readonly inner = new LocalKeyService(randomBytes(32));
  between: (() => Promise<void>) | null = null;
  async generateDataKey() {
    const hook = this.between;
    this.between = null;
    if (hook) await hook();
    return this.inner.generateDataKey();
  }
  decryptDataKey(encryptedKey: Uint8Array, keyId: string) {
    return this.inner.decryptDataKey(encryptedKey, keyId);
  }
}
const keys = new HookedKeyService();

/** A token kubeconfig of an EKS cluster in us-east-1 (JSON is YAML too); `token` tells files apart. */
const kubeconfig = (token: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'races',
        cluster: {
          server: 'https://0A1B2C3D.gr7.us-east-1.eks.amazonaws.com',
          'certificate-authority-data': 'Q0E=',
        },
      },
    ],
    contexts: [{ name: 'races', context: { cluster: 'races', user: 'reader' } }],
    users: [{ name: 'reader', user: { token } }],
  });

const put = (id: string, token: string) =>
  call('PUT /api/client/clusters/{id}/kubeconfig', {
    token: a.accessToken,
    path: { id },
    body: { kubeconfig: kubeconfig(token) },
  });

beforeAll(async () => {
  await useLocalServices();
  configurePorts({ keyService: keys });
  a = await signUpAndIn('Kubeconfig races');
}, 60_000);

describe('PUT /api/client/clusters/{id}/kubeconfig, raced', () => {
  it('is a 409 when another request replaced the file between the read and the write; theirs stays', async () => {
    const { clusterId } = await seedCluster(a.orgId, { region: 'us-east-1', name: 'races' });
    const first = await put(clusterId, 'token-first');
    expect(first.status, first.raw).toBe(200);
    expect(first.body.replaced).toBe(false);

    let theirs: Awaited<ReturnType<typeof put>> | undefined;
    keys.between = async () => {
      theirs = await put(clusterId, 'token-theirs');
    };
    const mine = await put(clusterId, 'token-mine');
    expect(theirs?.status, theirs?.raw).toBe(200);
    expect(mine.status, mine.raw).toBe(409);
    expectContractResponse('PUT /api/client/clusters/{id}/kubeconfig', mine);
    expect(mine.body.code).toBe('KUBECONFIG_CHANGED');
    expect(mine.raw).toContain('replaced by someone else at the same moment');
    expect(mine.raw).not.toContain('token-mine');
    // What is stored is the other request's file: its seal, not ours over it.
    const stored = await getRaw(clusterKubeconfigKey(a.orgId, clusterId));
    expect(stored?.replacedAt).toBe(theirs?.body.updatedAt);

    // The same race on a cluster's first file: the other request created it first.
    const fresh = await seedCluster(a.orgId, { region: 'us-east-1', name: 'races-2' });
    keys.between = async () => {
      theirs = await put(fresh.clusterId, 'token-theirs-2');
    };
    const late = await put(fresh.clusterId, 'token-mine-2');
    expect(theirs?.status, theirs?.raw).toBe(200);
    expect(late.status, late.raw).toBe(409);
    expect(late.body.code).toBe('KUBECONFIG_CHANGED');

    // Audited as a failure, the file in no record.
    const trail = await call('GET /api/client/audit', { token: a.accessToken, query: { limit: '50' } });
    const records = (trail.body.items as { action: string; target: string; outcome: string }[]).filter(
      (r) => r.action === 'cluster.kubeconfig.replace' && r.target === `cluster/${clusterId}`,
    );
    expect(records.map((r) => r.outcome).sort()).toEqual(['failed', 'success', 'success']);
    expect(trail.raw).not.toContain('token-');
  });

  it('is a 409 when the cluster was removed between the read and the write; nothing is stored', async () => {
    const { clusterId } = await seedCluster(a.orgId, { region: 'us-east-1', name: 'races-removed' });
    keys.between = async () => {
      await deleteItem(clusterKey(a.orgId, clusterId));
    };
    const res = await put(clusterId, 'token-removed');
    expect(res.status, res.raw).toBe(409);
    expectContractResponse('PUT /api/client/clusters/{id}/kubeconfig', res);
    expect(res.body.code).toBe('CLUSTER_REMOVED');
    expect(res.raw).toContain('races-removed was removed meanwhile');
    expect(await getRaw(clusterKubeconfigKey(a.orgId, clusterId))).toBeUndefined();
    // And afterwards, as for any cluster that is not there: a 404.
    expect((await put(clusterId, 'token-after')).status).toBe(404);
  });
});

import { z } from 'zod';
import { defineEntity } from '../entity';
import { orgItemKey } from './organization';

/**
 * The kubeconfig of a cluster registered by upload (ADR 0051): the whole file envelope-encrypted
 * (AES-256-GCM under a data key the key service wrapped, as access keys are), with the API server and the
 * kind of credential in clear for display. Its own item: never read by a listing, never returned.
 */
export const clusterKubeconfigEntity = defineEntity(
  'ClusterKubeconfig',
  z.object({
    orgId: z.string(),
    clusterId: z.string(),
    server: z.string(),
    auth: z.enum(['token', 'client-certificate', 'aws-eks-get-token']),
    ciphertextB64: z.string(),
    ivB64: z.string(),
    authTagB64: z.string(),
    encryptedDataKeyB64: z.string(),
    keyId: z.string(),
    createdAt: z.string(),
    createdBy: z.string(),
    /** The last replacement (`PUT /api/client/clusters/{id}/kubeconfig`, ADR 0065); absent until one. */
    replacedAt: z.string().optional(),
    replacedBy: z.string().optional(),
  }),
  (k) => clusterKubeconfigKey(k.orgId, k.clusterId),
);
export const clusterKubeconfigKey = orgItemKey('KUBECONFIG');

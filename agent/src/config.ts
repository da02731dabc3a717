import { z } from 'zod';

/**
 * The agent's settings, from its environment (the Helm chart and the plain manifest set them). A missing
 * or malformed variable stops the agent at start with the variable's name.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | SPOT_API_URL | (required) | base URL of Spot Optimizer, e.g. `https://spot.example.com` |
 * | SPOT_AGENT_TOKEN | (required) | the cluster's agent token (from its Secret) |
 * | SPOT_CLUSTER_NAME | (required) | the EKS cluster name, as discovery knows it |
 * | SPOT_SNAPSHOT_INTERVAL_SECONDS | 300 | how often a snapshot is pushed |
 * | SPOT_HEARTBEAT_INTERVAL_SECONDS | 30 | how often a heartbeat is pushed between snapshots |
 * | SPOT_HEALTH_PORT | 8080 | `/healthz` for the kubelet's probes (0 = off) |
 * | SPOT_KUBECONFIG | unset | outside a cluster (development): the kubeconfig to read instead |
 * | SPOT_WRITE_MODE | false | `true`: poll and run the optimizer's commands (needs the write RBAC; ADR 0037) |
 * | SPOT_COMMAND_POLL_SECONDS | 15 | in write mode, how often commands are fetched |
 * | SPOT_AGENT_NAMESPACE | spot-optimizer | the agent's namespace (the chart sets it from the pod's) |
 * | SPOT_AGENT_DEPLOYMENT | spot-optimizer-agent | the agent's own Deployment, which `upgrade-agent` patches (ADR 0085) |
 */
export const agentVersion = '0.1.0';

const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const seconds = (fallback: number, min: number) =>
  z.coerce.number().int().min(min).max(86_400).default(fallback);

export const agentConfigSchema = z.object({
  SPOT_API_URL: z.url().transform((u) => u.replace(/\/+$/, '')),
  SPOT_AGENT_TOKEN: z.string().min(20, 'SPOT_AGENT_TOKEN must be the token issued on the cluster page'),
  SPOT_CLUSTER_NAME: z.string().min(1),
  SPOT_SNAPSHOT_INTERVAL_SECONDS: seconds(300, 60),
  SPOT_HEARTBEAT_INTERVAL_SECONDS: seconds(30, 5),
  SPOT_HEALTH_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  SPOT_KUBECONFIG: z.string().optional(),
  // Off unless spelled out: an agent acts on the cluster only when someone chose so.
  SPOT_WRITE_MODE: z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1'),
  SPOT_COMMAND_POLL_SECONDS: seconds(15, 5),
  SPOT_AGENT_NAMESPACE: z.string().regex(dnsLabel).default('spot-optimizer'),
  SPOT_AGENT_DEPLOYMENT: z.string().regex(dnsSubdomain).default('spot-optimizer-agent'),
});

export interface AgentConfig {
  apiUrl: string;
  token: string;
  clusterName: string;
  snapshotIntervalMs: number;
  heartbeatIntervalMs: number;
  healthPort: number;
  kubeconfig: string | undefined;
  /** Poll and run commands (off by default). */
  writeMode: boolean;
  commandPollIntervalMs: number;
  /** The release this agent runs: the image's {@link agentVersion}; the sandbox runs several at once. */
  version?: string;
  /** The agent's own Deployment, which `upgrade-agent` patches (ADR 0085). */
  deployment?: AgentDeployment;
}

export interface AgentDeployment {
  namespace: string;
  name: string;
}

/** Where the plain manifest and the chart's default release put the agent. */
export const defaultAgentDeployment: AgentDeployment = {
  namespace: 'spot-optimizer',
  name: 'spot-optimizer-agent',
};

export function loadConfig(env: NodeJS.ProcessEnv): AgentConfig {
  const parsed = agentConfigSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Agent configuration: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const c = parsed.data;
  return {
    apiUrl: c.SPOT_API_URL,
    token: c.SPOT_AGENT_TOKEN,
    clusterName: c.SPOT_CLUSTER_NAME,
    snapshotIntervalMs: c.SPOT_SNAPSHOT_INTERVAL_SECONDS * 1000,
    heartbeatIntervalMs: c.SPOT_HEARTBEAT_INTERVAL_SECONDS * 1000,
    healthPort: c.SPOT_HEALTH_PORT,
    kubeconfig: c.SPOT_KUBECONFIG,
    writeMode: c.SPOT_WRITE_MODE,
    commandPollIntervalMs: c.SPOT_COMMAND_POLL_SECONDS * 1000,
    version: agentVersion,
    deployment: { namespace: c.SPOT_AGENT_NAMESPACE, name: c.SPOT_AGENT_DEPLOYMENT },
  };
}

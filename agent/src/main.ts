/**
 * Entry point of the in-cluster agent (the container's command): reads the cluster with its service
 * account through the same collector as the agentless Lambda, and pushes snapshots and heartbeats.
 */
import { createServer } from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { apiServerAccessReview } from '@spot/functions/ports/kubernetes-access-review';
import { collectClusterSnapshot } from '@spot/functions/ports/kubernetes-snapshot';
import { Agent, type LogLevel } from './agent';
import { agentVersion, loadConfig } from './config';
import { kubernetesExecutor } from './kubernetes-executor';
import { checkOwnPermissions } from './permissions';

const log = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
  // One JSON object per line; the token is never a field.
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })}\n`);
};

const config = loadConfig(process.env);
const kc = new KubeConfig();
if (config.kubeconfig) kc.loadFromFile(config.kubeconfig);
else kc.loadFromCluster();

const agent = new Agent(config, {
  collect: () =>
    collectClusterSnapshot(kc, {
      clusterName: config.clusterName,
      source: 'agent',
      now: () => new Date(),
      accessHint:
        "Apply the agent's ClusterRole (Helm chart or agent/manifests/agent.yaml) and bind it to its service account.",
    }),
  fetch: globalThis.fetch,
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    }),
  log,
  checkPermissions: async () => checkOwnPermissions(await apiServerAccessReview(kc), new Date()),
  ...(config.writeMode ? { executor: await kubernetesExecutor(kc) } : {}),
});

// Healthy while pushes succeed, or for three heartbeat intervals after the last success (a short outage
// of Spot Optimizer must not restart every agent).
if (config.healthPort > 0) {
  createServer((req, res) => {
    const last = agent.state.lastSuccessAt?.getTime() ?? 0;
    const healthy =
      agent.state.consecutiveFailures === 0 ||
      Date.now() - last < 3 * config.heartbeatIntervalMs + 5 * 60_000;
    res.writeHead(req.url === '/healthz' && healthy ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ version: agentVersion, ...agent.state }));
  }).listen(config.healthPort);
}

const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => controller.abort());
log('info', 'agent started', {
  version: agentVersion,
  cluster: config.clusterName,
  api: config.apiUrl,
  writeMode: config.writeMode,
});
await agent.run(controller.signal);
log('info', 'agent stopped');
process.exit(0);

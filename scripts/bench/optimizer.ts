/**
 * Optimizer proof on the sandbox (issue 14, item 8): the default sandbox's accounts 0 (staging) and 1 (dev)
 * discovered for real (discovery state machine, DynamoDB Local), the dev and staging clusters given a
 * policy through the API, their dry-run plan taken, and one consolidation run each through the real
 * workflow (local Step Functions from the ASL, ADR 0040/0044). The cluster's agent is the real agent's
 * command runner (`agent/src/commands.ts`) in write mode over HTTP to the gateway, executing on the
 * sandbox's Kubernetes model (`sandboxExecutor`); it polls once per workflow step, and the sandbox clock
 * (also the functions' clock) moves 15 s per step, the workflow's wait between two checks.
 *
 * Realized saving of a run = how much further the acted-on sandbox's hourly bill for the cluster fell below
 * a twin sandbox's (same world and clock, nothing written) between the run's start and end, x 730: the drop
 * the customer's bill shows, with the load and autoscaling of the run's minutes the same on both sides.
 * The sandbox's autoscaled groups go back to their load model's size at each full hour, so every run is
 * kept within one sandbox hour (the clock jumps to the next hour, inventory re-synced, when it might not
 * fit). The product's own figure (the done steps' realizedMonthlySavingUsd) is printed next to it.
 *
 * 1. balanced policy: predicted (dry run) vs realized, target within 10 %;
 * 2. aggressive policy as a user sets it (only `aggressiveness`, so node group takeover is on by its
 *    default at Aggressive, ADR 0088; inventory re-synced first): realized over the runs so far vs the
 *    dashboard's bin-packing potential read before any run, target >= 80 %;
 * 3. the same aggressive policy's next run per cluster (what the hourly schedule does next, inventory
 *    re-synced), realized over all runs vs the same potential. BENCH_TAKEOVER=0 runs phases 2 and 3 with
 *    `lowerGroupMinimums: false` saved explicitly (the customer who said no), for comparison;
 * 4. safety, counted from the sandbox's state at every step: pods Pending longer than 2 minutes (that were
 *    not Pending before the run), PodDisruptionBudget violations (a workload the run evicted from with
 *    more pods unavailable than its budget's maxUnavailable), exempt pods touched, counted apart: those
 *    the effective policy exempts (excluded namespaces and label selectors) and those annotated
 *    `karpenter.sh/do-not-disrupt: "true"`; a pod is touched when the run evicts it or cordons or deletes
 *    the node it runs on. Target 0 each.
 *
 * Misses print MISSED with the figure; the process never fails on a target.
 * `npm run bench optimizer` or `npx tsx scripts/bench/optimizer.ts`. `BENCH_AT` sets the sandbox's start
 * instant (default 2026-03-04T15:00:00Z, mid-morning in New York).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { jsonPoster, startBenchServices } from './local-services';

const hoursPerMonth = 730;
const stepMs = 15_000;
const pendingLimitMs = 120_000;
/** The sandbox time a run may take (the longest measured: about 35 minutes). */
const runBudgetMs = 40 * 60_000;

interface ClusterRow {
  clusterId: string;
  name: string;
  accountId: string;
  region: string;
  nodeCount: number;
}

interface PhaseFigures {
  cluster: string;
  planNodes: number;
  predictedUsd: number;
  productRealizedUsd: number;
  /** Node group takeover: the product's realized figure of the done steps in groups whose minimum the plan lowers. */
  takeoverRealizedUsd: number;
  /** Steps that lowered their group's minimum first. */
  minimumsLowered: number;
  /** The dry run's figure for the steps that ended done. */
  predictedDoneUsd: number;
  billRealizedUsd: number;
  done: number;
  failed: number;
  skipped: number;
  status: string;
  sandboxMinutes: number;
  note: string;
}

export async function run(): Promise<void> {
  const services = await startBenchServices('optimizer');
  const { stops } = services;
  try {
    const { configurePorts } = await import('@spot/functions/ports/index');
    const { SandboxCloud, sandboxKeys } = await import('@spot/local/sandbox/index');
    const { sandboxExecutor } = await import('@spot/local/sandbox/agent-writes');
    const { LocalKeyService } = await import('@spot/local/keys');
    const { LocalStepFunctions } = await import('@spot/local/stepfunctions');
    const { startGateway } = await import('@spot/local/gateway');
    const { seedSandboxAccount } = await import('@spot/local/sandbox/seed-account');
    const { CommandRunner } = await import('@spot/agent/commands');
    const { issueAgentToken } = await import('@spot/functions/domain/clusters');
    const { getEffectivePolicy } = await import('@spot/functions/domain/policies');
    const { exemptionOf } = await import('@spot/shared/model/agent-command');
    const { hasDoNotDisrupt } = await import('@spot/shared/savings/cluster');

    let nowMs = Date.parse(process.env.BENCH_AT ?? '2026-03-04T15:00:00Z');
    const clock = { now: () => new Date(nowMs) };
    const sandbox = new SandboxCloud({ seed: 42, clock });
    // The counterfactual: the same world and clock, nothing written to it.
    const twin = new SandboxCloud({ seed: 42, clock, world: sandbox.world });
    const keys = sandboxKeys(sandbox).accounts;
    const targetOf = (awsAccountId: string, region: string) => {
      const k = keys.find((a) => a.awsAccountId === awsAccountId);
      if (!k) throw new Error(`no sandbox keys for ${awsAccountId}`);
      return {
        region,
        credentials: {
          kind: 'access-key' as const,
          accessKeyId: k.accessKeyId,
          secretAccessKey: k.secretAccessKey,
        },
      };
    };

    /** The per-step hook of the run under way: its agent's poll and the safety observations. */
    let onStep: (() => Promise<void>) | null = null;
    const workflows = new LocalStepFunctions({
      retryIntervalMs: 20,
      waitTimeMs: 1,
      wrapTask: (state, runTask) => async (input) => {
        if (state === 'Advance' && onStep) {
          nowMs += stepMs;
          await onStep();
        }
        return runTask(input);
      },
    });
    const keyService = new LocalKeyService(randomBytes(32));
    configurePorts({
      cloud: sandbox,
      kubernetes: sandbox.kubernetesPort,
      keyService,
      workflows,
      clock,
      scheduler: { upsertSchedule: async () => {}, deleteSchedule: async () => {} },
    });
    const gateway = await startGateway({ port: 0, webDist: join(services.dir, 'no-web') });
    stops.unshift(() => gateway.close());
    // The agent token's install commands name the app's address (the AWS adapter reads it from SSM).
    configurePorts({ site: { appUrl: async () => gateway.url } });

    const email = `bench-${randomUUID().slice(0, 8)}@example.com`;
    const password = `Pw-${randomUUID().slice(0, 8)}-Aa1!`;
    const post = jsonPoster(gateway.url);
    const signup = await post('/api/auth/signup', { organizationName: 'Optimizer Proof', email, password });
    const orgId = String(signup.orgId);
    const token = String((await post('/api/auth/token', { email, password })).accessToken);
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };

    // 1. Accounts 0 (staging) and 1 (dev), connected and discovered.
    const accountIds: string[] = [];
    for (const k of keys.slice(0, 2))
      accountIds.push((await seedSandboxAccount(orgId, k, keyService)).accountId);
    const discover = async () => {
      const t = performance.now();
      const executions = await Promise.all(
        accountIds.map((accountId) => workflows.startExecution('discovery', { orgId, accountId })),
      );
      const records = await Promise.all(executions.map((e) => workflows.waitForExecution(e.executionArn)));
      const failed = records.filter((r) => r.status !== 'SUCCEEDED').length;
      return { seconds: (performance.now() - t) / 1000, failed };
    };
    const first = await discover();
    const dashboard = await api('GET', '/api/client/dashboard');
    const rows = ((dashboard.body.clusters ?? []) as ClusterRow[]).filter((c) =>
      /^(dev|staging)-/.test(c.name),
    );
    const awsOf = new Map(keys.slice(0, 2).map((k, i) => [accountIds[i], k.awsAccountId]));
    console.log(
      `discovered accounts 0 and 1 in ${first.seconds.toFixed(1)} s (${first.failed} failed): ${rows.length} dev/staging clusters: ${rows.map((r) => `${r.name} (${r.nodeCount} nodes)`).join(', ')}`,
    );

    // The dashboard's bin-packing potential of each cluster, before any run.
    const potential = new Map<string, number>();
    for (const r of rows) {
      const d = await api('GET', `/api/client/dashboard?clusterId=${r.clusterId}`);
      potential.set(
        r.clusterId,
        Number((d.body.binPacking as { monthlySavingUsd: number }).monthlySavingUsd),
      );
    }

    // BENCH_PLANS_ONLY=1: the potential and each cluster's dry-run plans only, no run (a quick look at
    // where a plan and the potential part, in a minute or two instead of the full proof's twelve).
    if (process.env.BENCH_PLANS_ONLY) {
      const { queryAll } = await import('@spot/functions/data/repository');
      const { nodeGroupEntity } = await import('@spot/functions/data/entities/node-group');
      const { nodeEntity } = await import('@spot/functions/data/entities/node');
      const { clusterChildrenQuery } = await import('@spot/functions/data/entities/partitions');
      const { loadCluster } = await import('@spot/functions/domain/clusters');
      for (const r of rows) {
        // Where the cluster's money is, per group (nodes, minimum, $/month, CPU and memory requested over
        // allocatable), and what the potential's own plan runs instead (the stored packer estimate).
        const [groups, nodes, cluster] = await Promise.all([
          queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, r.clusterId, 'NODEGROUP')),
          queryAll(nodeEntity, clusterChildrenQuery(orgId, r.clusterId, 'NODE')),
          loadCluster(orgId, r.clusterId),
        ]);
        const estimate = (cluster.summary as { binPacking?: Record<string, unknown> } | null)?.binPacking;
        console.log(
          `  ${r.name}: potential plan ${JSON.stringify(estimate?.plan ?? null)} (${String(estimate?.nodesNow)} -> ${String(estimate?.nodesInPlan)} nodes, pinned ${String(estimate?.pinnedNodes)})`,
        );
        for (const g of groups) {
          const mine = nodes.filter((n) => n.nodeGroupId === g.nodeGroupId);
          const sum = (f: (n: (typeof mine)[number]) => number) => mine.reduce((s, n) => s + f(n), 0);
          const types = [...new Set(mine.map((n) => `${n.instanceType}/${n.capacityType}`))].join(',');
          console.log(
            `    ${g.name.padEnd(16)} ${g.kind.padEnd(19)} nodes ${mine.length} min ${g.minSize} ${types} $${(sum((n) => n.hourlyPriceUsd ?? 0) * hoursPerMonth).toFixed(0)}/mo cpu ${(
              (sum((n) => n.requestedCpuMilli) /
                Math.max(
                  1,
                  sum((n) => n.allocatableCpuMilli),
                )) *
                100
            ).toFixed(0)} % mem ${(
              (sum((n) => n.requestedMemoryMiB) /
                Math.max(
                  1,
                  sum((n) => n.allocatableMemoryMiB),
                )) *
                100
            ).toFixed(0)} %`,
          );
        }
      }
      for (const r of rows) {
        for (const aggressiveness of ['balanced', 'aggressive'] as const) {
          const current = await api('GET', `/api/client/clusters/${r.clusterId}/policy`);
          await api('PUT', `/api/client/clusters/${r.clusterId}/policy`, {
            version: Number(current.body.version ?? 0),
            policy: { infrastructure: { binPacking: { aggressiveness } } },
          });
          const plan = await api('POST', `/api/client/clusters/${r.clusterId}/consolidation`, {
            dryRun: true,
          });
          const skippedUsd = new Map<string, number>();
          for (const s of (plan.body.skipped ?? []) as { reason: string; hourlyPriceUsd: number }[])
            skippedUsd.set(s.reason, (skippedUsd.get(s.reason) ?? 0) + s.hourlyPriceUsd * hoursPerMonth);
          const steps = (plan.body.steps ?? []) as { kind: string }[];
          const held = (plan.body.heldByMinimums ?? []) as {
            name: string;
            nodes: number;
            minimumToAllow: number;
            monthlySavingUsd: number;
          }[];
          if (process.env.BENCH_PLANS_ONLY === 'verbose')
            console.log(
              JSON.stringify(
                {
                  steps: plan.body.steps,
                  skipped: plan.body.skipped,
                  replacements: plan.body.replacements,
                  held: (plan.body.held as unknown[]).length,
                },
                null,
                0,
              ).slice(0, 6000),
            );
          console.log(
            `  ${r.name.padEnd(28)} ${aggressiveness.padEnd(10)} potential $${(potential.get(r.clusterId) ?? 0).toFixed(0)}  plan $${Number(plan.body.monthlySavingUsd).toFixed(0)} (${steps.length} nodes, ${steps.filter((s) => s.kind === 'replace').length} replaced; before owners $${Number(plan.body.plannedMonthlySavingUsd).toFixed(0)})  skipped: ${[...skippedUsd].map(([k, v]) => `${k} $${v.toFixed(0)}`).join(', ') || 'none'}`,
          );
          if (held.length > 0)
            console.log(
              `    held by minimums: ${held.map((h) => `${h.name} (${h.nodes} nodes, minimum ${h.minimumToAllow} would save $${h.monthlySavingUsd.toFixed(0)} more)`).join(', ')}`,
            );
        }
      }
      // Where the aggressive dry run parts from the potential, rule by rule (ADR 0066): the same plan
      // with one rule lifted at a time, then together. A lifted rule is not something a run may do.
      const { planClusterConsolidation } = await import('@spot/functions/domain/consolidation');
      const variants = [
        ['plan', {}],
        ['+replace in every group', { replaceInEveryGroup: true }],
        // The same, launched by a pool whose nodes carry no label a pod's selector could ask for (the
        // product's NodePool: a template has no node labels), so only pods without one may move there.
        ['+replace via a label-less pool', { replaceInEveryGroup: true, replacementLabels: {} }],
        ['+no group minimums', { noGroupMinimums: true }],
        ['+both', { replaceInEveryGroup: true, noGroupMinimums: true }],
        ['+both, no selectors', { replaceInEveryGroup: true, noGroupMinimums: true, noNodeSelectors: true }],
      ] as const;
      const totals = new Map<string, number>();
      console.log(
        `\n  aggressive plan with rules lifted, $/month (${variants.map(([n]) => n).join(' | ')}):`,
      );
      for (const r of rows) {
        const figures: number[] = [];
        for (const [name, whatIf] of variants) {
          const p = await planClusterConsolidation(orgId, r.clusterId, clock.now(), whatIf);
          figures.push(p.monthlySavingUsd);
          totals.set(name, (totals.get(name) ?? 0) + p.monthlySavingUsd);
        }
        console.log(
          `  ${r.name.padEnd(28)} potential $${(potential.get(r.clusterId) ?? 0).toFixed(0)}: ${figures.map((f) => `$${f.toFixed(0)}`).join(' | ')}`,
        );
      }
      const potentialSum = [...potential.values()].reduce((a, b) => a + b, 0);
      console.log(
        `  total: potential $${potentialSum.toFixed(2)}; ${[...totals].map(([n, v]) => `${n} $${v.toFixed(2)} (${((v / potentialSum) * 100).toFixed(1)} %)`).join('; ')}`,
      );
      return;
    }

    /** USD/h the cluster's running instances cost in a sandbox, at the cloud port's live prices. */
    const clusterBill = async (cloud: InstanceType<typeof SandboxCloud>, r: ClusterRow) => {
      const target = targetOf(awsOf.get(r.accountId) ?? '', r.region);
      const instances = (await cloud.describeInstances(target)).filter(
        (i) => i.clusterName === r.name && (i.state === 'running' || i.state === 'pending'),
      );
      const onDemandTypes = [
        ...new Set(instances.filter((i) => i.capacityType === 'on-demand').map((i) => i.instanceType)),
      ];
      const spotTypes = [
        ...new Set(instances.filter((i) => i.capacityType === 'spot').map((i) => i.instanceType)),
      ];
      const onDemand = onDemandTypes.length ? await cloud.onDemandPrices(target, onDemandTypes) : {};
      const points = spotTypes.length
        ? await cloud.spotPriceHistory(target, spotTypes, new Date(nowMs - 24 * 3600_000))
        : [];
      const latest = new Map<string, { at: string; usd: number }>();
      for (const p of points) {
        const key = `${p.instanceType}@${p.availabilityZone}`;
        const seen = latest.get(key);
        if (!seen || seen.at < p.timestamp) latest.set(key, { at: p.timestamp, usd: p.priceUsdPerHour });
      }
      return instances.reduce((sum, i) => {
        const usd =
          i.capacityType === 'spot'
            ? latest.get(`${i.instanceType}@${i.availabilityZone}`)?.usd
            : (onDemand as Record<string, number>)[i.instanceType];
        // An instance the cloud gives no price for would count $0 and hide its termination: say so.
        if (usd === undefined)
          unpriced.add(`${r.name}: ${i.capacityType} ${i.instanceType} in ${i.availabilityZone}`);
        return sum + (usd ?? 0);
      }, 0);
    };
    const unpriced = new Set<string>();

    // The safety counters, over every run.
    // Exempt pods touched, by policy (namespaces, label selectors) and by `karpenter.sh/do-not-disrupt`:
    // each pod counted once, however many times it was touched.
    const touchedByPolicy = new Set<string>();
    const touchedDoNotDisrupt = new Set<string>();
    const safety = { pendingOver2Min: 0, pdbViolations: 0, evictions: 0, nodesCordonedOrDeleted: 0 };
    const safetyNotes: string[] = [];
    /** The phase under way, named in the safety notes. */
    let phaseName = 'balanced';

    const runPhase = async (
      r: ClusterRow,
      aggressiveness: 'balanced' | 'aggressive',
      /** `undefined`: not sent, as the policy editor leaves it (the default follows the aggressiveness). */
      lowerGroupMinimums?: boolean,
    ): Promise<PhaseFigures> => {
      const figures: PhaseFigures = {
        cluster: r.name,
        planNodes: 0,
        predictedUsd: 0,
        productRealizedUsd: 0,
        takeoverRealizedUsd: 0,
        minimumsLowered: 0,
        predictedDoneUsd: 0,
        billRealizedUsd: 0,
        done: 0,
        failed: 0,
        skipped: 0,
        status: '',
        sandboxMinutes: 0,
        note: '',
      };
      // The sandbox's autoscaled groups return to their load model's size at every full hour (a scaling
      // change holds until then): a run must start and end within one sandbox hour to be measured. A run
      // that might not is moved to the next hour, the inventory re-synced first.
      if (nowMs % 3_600_000 > 3_600_000 - runBudgetMs) {
        nowMs = Math.ceil(nowMs / 3_600_000) * 3_600_000 + 60_000;
        const resync = await discover();
        console.log(
          `  (sandbox clock moved to ${new Date(nowMs).toISOString()} before ${r.name}, inventory re-synced in ${resync.seconds.toFixed(1)} s)`,
        );
      }
      const current = await api('GET', `/api/client/clusters/${r.clusterId}/policy`);
      const put = await api('PUT', `/api/client/clusters/${r.clusterId}/policy`, {
        version: Number(current.body.version ?? 0),
        policy: {
          infrastructure: {
            binPacking: {
              aggressiveness,
              ...(lowerGroupMinimums === undefined ? {} : { lowerGroupMinimums }),
            },
          },
        },
      });
      if (put.status !== 200) {
        figures.status = `policy PUT ${put.status}`;
        figures.note = JSON.stringify(put.body).slice(0, 200);
        return figures;
      }
      const plan = await api('POST', `/api/client/clusters/${r.clusterId}/consolidation`, { dryRun: true });
      if (plan.status !== 200) {
        figures.status = `dry run ${plan.status}`;
        figures.note = JSON.stringify(plan.body).slice(0, 200);
        return figures;
      }
      figures.planNodes = (plan.body.steps as unknown[]).length;
      // Where the plan acts: nodes per group, replacements counted apart.
      const perGroup = new Map<string, { nodes: number; replaced: number }>();
      for (const s of plan.body.steps as { nodeGroupId: string; kind: string }[]) {
        const g = perGroup.get(s.nodeGroupId) ?? { nodes: 0, replaced: 0 };
        g.nodes += 1;
        if (s.kind === 'replace') g.replaced += 1;
        perGroup.set(s.nodeGroupId, g);
      }
      const planGroups = [...perGroup]
        .map(([id, g]) => `${id} x${g.nodes}${g.replaced ? ` (${g.replaced} replaced)` : ''}`)
        .join(', ');
      figures.predictedUsd = Number(plan.body.monthlySavingUsd);
      // Node group takeover (ADR 0067): the minimums the plan lowers, shown before the run.
      const changes = (plan.body.minimumChanges ?? []) as {
        name: string;
        fromMinSize: number;
        toMinSize: number;
        monthlySavingUsd: number;
      }[];
      const lowered = new Set(
        ((plan.body.minimumChanges ?? []) as { nodeGroupId: string }[]).map((c) => c.nodeGroupId),
      );
      if (changes.length > 0)
        figures.note = `minimums lowered: ${changes.map((c) => `${c.name} ${c.fromMinSize} -> ${c.toMinSize} (+$${c.monthlySavingUsd.toFixed(0)})`).join(', ')}; `;
      if (figures.planNodes === 0) {
        figures.status = 'nothing to do';
        return figures;
      }

      // The agent: a fresh token, the real command runner over HTTP, the sandbox cluster as its API server.
      const issued = await issueAgentToken(orgId, r.clusterId, 'optimizer bench', clock.now());
      const base = sandboxExecutor(sandbox, r.name);
      const { policy } = await getEffectivePolicy(orgId, r.clusterId);
      const exemptions = {
        namespaces: policy.governance.excludedNamespaces,
        labels: policy.governance.excludedLabelSelectors,
      };
      const evictedFrom = new Set<string>();
      type SnapshotPod = ReturnType<typeof sandbox.kubernetes.snapshotAt>['pods'][number];
      /** Counts an exempt or do-not-disrupt pod the run touched (`how`: evicted, its node cordoned...). */
      const touched = (p: SnapshotPod, how: string) => {
        const id = `${r.name}/${p.namespace}/${p.name}`;
        const exempt = exemptionOf(exemptions, { namespace: p.namespace, labels: p.labels ?? {} });
        if (exempt && !touchedByPolicy.has(id)) {
          touchedByPolicy.add(id);
          safetyNotes.push(`${r.name}: exempt pod ${p.namespace}/${p.name} ${how} (${exempt})`);
        }
        if (hasDoNotDisrupt(p.annotations ?? {}) && !touchedDoNotDisrupt.has(id)) {
          touchedDoNotDisrupt.add(id);
          safetyNotes.push(`${r.name}: do-not-disrupt pod ${p.namespace}/${p.name} ${how}`);
        }
      };
      /**
       * The pods on a node the run is about to cordon or delete (the sandbox re-places them at once). A
       * DaemonSet's pod (kube-system's aws-node, kube-proxy) is on every node and never drained: it is
       * not one the run moves, so it does not count.
       */
      const touchNode = (node: string, how: string) => {
        const snap = sandbox.kubernetes.snapshotAt(r.name, clock.now());
        for (const p of snap.pods) if (p.nodeName === node && p.owner?.kind !== 'DaemonSet') touched(p, how);
      };
      const executor: typeof base = {
        ...base,
        async setUnschedulable(node, unschedulable) {
          if (unschedulable) {
            safety.nodesCordonedOrDeleted += 1;
            touchNode(node, `on node ${node} when the run cordoned it`);
          }
          return base.setUnschedulable(node, unschedulable);
        },
        async deleteNode(node) {
          safety.nodesCordonedOrDeleted += 1;
          touchNode(node, `on node ${node} when the run deleted it`);
          return base.deleteNode(node);
        },
        async evict(namespace, pod) {
          const snap = sandbox.kubernetes.snapshotAt(r.name, clock.now());
          const found = snap.pods.find((p) => p.namespace === namespace && p.name === pod);
          const outcome = await base.evict(namespace, pod);
          if (outcome.outcome === 'evicted' && found) {
            safety.evictions += 1;
            if (found.owner) evictedFrom.add(`${namespace}/${found.owner.name}`);
            touched(found, 'evicted');
          }
          return outcome;
        },
      };
      const agent = new CommandRunner(
        { apiUrl: gateway.url, token: issued.body.token, writeMode: true },
        { executor, fetch: globalThis.fetch, log: () => {} },
      );
      await agent.pollOnce();

      // Safety observations: Pending pods by first sight (those Pending before the run are left out) and
      // budgets of the workloads the run evicted from.
      const world = sandbox.world.clusters.find((c) => c.name === r.name);
      const pendingBefore = new Set(
        sandbox.kubernetes
          .snapshotAt(r.name, clock.now())
          .pods.filter((p) => p.phase === 'Pending')
          .map((p) => `${p.namespace}/${p.name}`),
      );
      const pendingSince = new Map<string, number>();
      const overLimit = new Set<string>();
      const violated = new Set<string>();
      const observe = () => {
        const snap = sandbox.kubernetes.snapshotAt(r.name, clock.now());
        // Pending in the untouched twin as well: the workload's own (a Job starting), not the run's doing.
        const pendingInTwin = new Set(
          twin.kubernetes
            .snapshotAt(r.name, clock.now())
            .pods.filter((p) => p.phase === 'Pending')
            .map((p) => `${p.namespace}/${p.name}`),
        );
        const pendingNow = new Set<string>();
        for (const p of snap.pods) {
          const id = `${p.namespace}/${p.name}`;
          if (p.phase !== 'Pending' || pendingBefore.has(id) || pendingInTwin.has(id)) continue;
          pendingNow.add(id);
          const since = pendingSince.get(id) ?? nowMs;
          pendingSince.set(id, since);
          if (nowMs - since > pendingLimitMs) overLimit.add(id);
        }
        for (const id of pendingSince.keys()) if (!pendingNow.has(id)) pendingSince.delete(id);
        for (const w of world?.workloads ?? []) {
          if (!w.pdb || !evictedFrom.has(`${w.namespace}/${w.name}`)) continue;
          const mine = snap.pods.filter((p) => p.namespace === w.namespace && p.owner?.name === w.name);
          const unavailable = mine.filter((p) => p.phase !== 'Running').length;
          if (unavailable > w.pdb.maxUnavailable) violated.add(`${w.namespace}/${w.name}`);
        }
      };
      onStep = async () => {
        await agent.pollOnce();
        observe();
      };

      const startedAt = nowMs;
      const [billBefore, twinBefore] = await Promise.all([clusterBill(sandbox, r), clusterBill(twin, r)]);
      const started = await api('POST', `/api/client/clusters/${r.clusterId}/consolidation`, {
        dryRun: false,
      });
      if (started.status !== 202) {
        onStep = null;
        figures.status = `start ${started.status}`;
        figures.note = JSON.stringify(started.body).slice(0, 240);
        return figures;
      }
      const runId = String(started.body.runId);
      const execution = await workflows.waitForExecution(
        `arn:aws:states:local:000000000000:execution:consolidation:${runId}`,
      );
      // One more poll: the commands the last step enqueued (an uncordon) are run.
      await agent.pollOnce();
      observe();
      onStep = null;
      figures.sandboxMinutes = (nowMs - startedAt) / 60_000;
      figures.status = execution.status;
      const [after, counterfactual] = await Promise.all([clusterBill(sandbox, r), clusterBill(twin, r)]);
      // This run's share: the gap to the twin now, less the gap earlier runs had left.
      figures.billRealizedUsd = (counterfactual - after - (twinBefore - billBefore)) * hoursPerMonth;
      if (Math.floor(startedAt / 3_600_000) !== Math.floor(nowMs / 3_600_000))
        figures.note = `the run crossed a sandbox hour: its bill figure is not a measurement. ${figures.note}`;
      const actions = await api('GET', `/api/client/clusters/${r.clusterId}/actions?limit=100`);
      const items = ((actions.body.items ?? []) as Record<string, unknown>[]).filter(
        (a) => a.runId === runId,
      );
      for (const a of items) {
        if (a.state === 'done') {
          figures.done += 1;
          figures.predictedDoneUsd += Number(a.predictedMonthlySavingUsd ?? 0);
        }
        if (a.state === 'failed') figures.failed += 1;
        if (a.state === 'skipped') figures.skipped += 1;
        figures.productRealizedUsd += Number(a.realizedMonthlySavingUsd ?? 0);
        if (lowered.has(String(a.nodeGroupId)))
          figures.takeoverRealizedUsd += Number(a.realizedMonthlySavingUsd ?? 0);
        if (a.minimumChange) figures.minimumsLowered += 1;
      }
      // Which inventory group a step the cloud refused at its minimum was planned under.
      const { queryAll } = await import('@spot/functions/data/repository');
      const { nodeGroupEntity } = await import('@spot/functions/data/entities/node-group');
      const { clusterChildrenQuery } = await import('@spot/functions/data/entities/partitions');
      const groups = await queryAll(nodeGroupEntity, clusterChildrenQuery(orgId, r.clusterId, 'NODEGROUP'));
      const refused = new Set(
        items
          .filter((a) => a.state === 'skipped' && String(a.result).includes('minimum size'))
          .map((a) => String(a.nodeGroupId)),
      );
      for (const id of refused) {
        const g = groups.find((x) => x.nodeGroupId === id);
        figures.note += `[refused at the group minimum: planned under ${id}, inventory minSize ${g?.minSize ?? '?'} desiredSize ${g?.desiredSize ?? '?'} ASGs ${g?.autoScalingGroupNames.join(',') || 'none'}] `;
      }
      const reasons = [
        ...new Set(items.filter((a) => a.state !== 'done').map((a) => String(a.result).slice(0, 160))),
      ];
      figures.note = `${figures.note}[plan: ${planGroups}] ${reasons.slice(0, 2).join(' | ')}`;
      safety.pendingOver2Min += overLimit.size;
      safety.pdbViolations += violated.size;
      for (const id of overLimit)
        safetyNotes.push(`${r.name} (${phaseName}): pod ${id} Pending over 2 minutes`);
      for (const id of violated) safetyNotes.push(`${r.name} (${phaseName}): budget of ${id} violated`);
      // Where in the run: the safety misses on the run's own line too.
      if (overLimit.size + violated.size > 0)
        figures.note = `${overLimit.size} pods Pending over 2 minutes, ${violated.size} budgets violated; ${figures.note}`;
      return figures;
    };

    const usd = (n: number) => `$${n.toFixed(2)}`;
    const printPhase = (title: string, list: PhaseFigures[]) => {
      console.log(`\n${title}`);
      console.log(
        '  cluster                         plan nodes  predicted/mo  realized (bill)  realized (product)  done/failed/skipped  status (sandbox min)',
      );
      for (const f of list) {
        console.log(
          `  ${f.cluster.padEnd(32)}${String(f.planNodes).padStart(10)}  ${usd(f.predictedUsd).padStart(12)}  ${usd(f.billRealizedUsd).padStart(15)}  ${usd(f.productRealizedUsd).padStart(18)}  ${`${f.done}/${f.failed}/${f.skipped}`.padStart(19)}  ${f.status} (${f.sandboxMinutes.toFixed(1)})`,
        );
        if (f.note) console.log(`    ${f.note}`);
      }
    };
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

    // 2. Balanced.
    const balanced: PhaseFigures[] = [];
    for (const r of rows) balanced.push(await runPhase(r, 'balanced'));
    printPhase('balanced policy: one consolidation run per cluster', balanced);
    const predicted = balanced.reduce(
      (s, f) => s + (f.done + f.failed + f.skipped > 0 ? f.predictedUsd : 0),
      0,
    );
    const realizedBalanced = balanced.reduce((s, f) => s + f.billRealizedUsd, 0);
    const deviation = predicted > 0 ? (Math.abs(realizedBalanced - predicted) / predicted) * 100 : Number.NaN;

    // 3. Aggressive as a user sets it (ADR 0088: node group takeover on by its default at Aggressive), on
    // a re-synced inventory (the removed nodes gone from it). BENCH_TAKEOVER=0: the explicit "no".
    const optOut = process.env.BENCH_TAKEOVER === '0';
    const aggressiveSetting = optOut ? false : undefined;
    const aggressiveTitle = optOut
      ? 'aggressive policy, lowerGroupMinimums: false saved explicitly (BENCH_TAKEOVER=0)'
      : 'aggressive policy as a user sets it (takeover on by default at Aggressive)';
    const resync = await discover();
    console.log(`\nre-sync of both accounts: ${resync.seconds.toFixed(1)} s (${resync.failed} failed)`);
    const aggressive: PhaseFigures[] = [];
    phaseName = 'aggressive, first run';
    for (const r of rows) aggressive.push(await runPhase(r, 'aggressive', aggressiveSetting));
    printPhase(`${aggressiveTitle}: one more run per cluster`, aggressive);
    const realizedAggressive = aggressive.reduce((s, f) => s + f.billRealizedUsd, 0);
    const realizedFirstAggressive = realizedBalanced + realizedAggressive;

    // 4. The same policy's next run per cluster (what the hourly schedule does next), on a re-synced
    // inventory: what one aggressive run left (a group's minimum lowered by the first, its other nodes).
    const takeover: PhaseFigures[] = [];
    const again = await discover();
    console.log(`\nre-sync of both accounts: ${again.seconds.toFixed(1)} s (${again.failed} failed)`);
    phaseName = 'aggressive, next run';
    for (const r of rows) takeover.push(await runPhase(r, 'aggressive', aggressiveSetting));
    printPhase(`${aggressiveTitle}: its next run per cluster`, takeover);
    const realizedTakeover = takeover.reduce((s, f) => s + f.billRealizedUsd, 0);
    const realizedTotal = realizedFirstAggressive + realizedTakeover;
    // What is left of it now (the groups' sizes after the last full hour are the sandbox's load model's).
    let gapNow = 0;
    for (const r of rows)
      gapNow += ((await clusterBill(twin, r)) - (await clusterBill(sandbox, r))) * hoursPerMonth;
    const potentialTotal = [...potential.values()].reduce((s, v) => s + v, 0);
    const share = potentialTotal > 0 ? (realizedTotal / potentialTotal) * 100 : Number.NaN;
    const shareFirst = potentialTotal > 0 ? (realizedFirstAggressive / potentialTotal) * 100 : Number.NaN;
    const allAggressive = [...aggressive, ...takeover];

    console.log('\nfigures');
    console.log(
      `  balanced: predicted ${usd(predicted)}/month (clusters that ran), realized ${usd(realizedBalanced)}/month (bill), deviation ${deviation.toFixed(1)} % (target <= 10 %): ${verdict(deviation <= 10)}`,
    );
    console.log(
      `  ${optOut ? 'aggressive, takeover refused explicitly' : 'aggressive as a user sets it'}, first run: realized ${usd(realizedAggressive)}/month in its own runs; balanced + it ${usd(realizedFirstAggressive)}/month vs the dashboard's bin-packing potential ${usd(potentialTotal)}/month: ${shareFirst.toFixed(1)} % (target >= 80 %): ${verdict(shareFirst >= 80)}`,
    );
    const inLowered = allAggressive.reduce((s, f) => s + f.takeoverRealizedUsd, 0);
    console.log(
      `  node group takeover in the aggressive runs: ${allAggressive.reduce((s, f) => s + f.minimumsLowered, 0)} minimum changes; realized in the groups whose minimum the plan lowered: ${usd(inLowered)}/month (product's record)`,
    );
    console.log(
      `  its next run: realized ${usd(realizedTakeover)}/month more; all runs ${usd(realizedTotal)}/month vs the same potential ${usd(potentialTotal)}/month: ${share.toFixed(1)} % (target >= 80 %): ${verdict(share >= 80)}`,
    );
    const doneBalanced = balanced.reduce((s, f) => s + f.predictedDoneUsd, 0);
    const productBalanced = balanced.reduce((s, f) => s + f.productRealizedUsd, 0);
    console.log(
      `  balanced, the steps that ended done: predicted ${usd(doneBalanced)}/month, realized ${usd(realizedBalanced)}/month (bill), ${usd(productBalanced)}/month (the product's record)`,
    );
    console.log(
      `  bill gap to the untouched twin at the end (${new Date(nowMs).toISOString()}): ${usd(gapNow)}/month`,
    );
    console.log(
      `  pods Pending > 2 min: ${safety.pendingOver2Min} (target 0): ${verdict(safety.pendingOver2Min === 0)}`,
    );
    console.log(
      `  PDB violations: ${safety.pdbViolations} (target 0): ${verdict(safety.pdbViolations === 0)}`,
    );
    console.log(
      `  exempt pods touched (evicted, or on a node the run cordoned or deleted; ${safety.evictions} evictions, ${safety.nodesCordonedOrDeleted} cordons and deletions): by the policy's namespaces and labels ${touchedByPolicy.size} (target 0): ${verdict(touchedByPolicy.size === 0)}; annotated karpenter.sh/do-not-disrupt ${touchedDoNotDisrupt.size} (target 0): ${verdict(touchedDoNotDisrupt.size === 0)}`,
    );
    for (const n of safetyNotes.slice(0, 20)) console.log(`    ${n}`);
    console.log(`  instances the bill priced at $0 (no price from the cloud port): ${unpriced.size}`);
    for (const n of [...unpriced].slice(0, 10)) console.log(`    ${n}`);
  } finally {
    await services.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run();
}

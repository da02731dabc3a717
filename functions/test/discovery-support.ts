import { randomBytes } from 'node:crypto';
import { LocalKeyService } from '@spot/local/keys';
import { SandboxCloud, type SandboxOptions, sandboxKeys } from '@spot/local/sandbox/index';
import { seedSandboxAccount as seedAccount } from '@spot/local/sandbox/seed-account';
import { LocalStepFunctions } from '@spot/local/stepfunctions';
import { configurePorts } from '../src/ports';
import type { CloudTarget, CustomerCloudPort } from '../src/ports/cloud';
import type { KubernetesPort } from '../src/ports/kubernetes';
import type { KeyServicePort, SchedulerPort, ScheduleSpec } from '../src/ports/types';

/** Schedules upserted by the workflow, by name. */
export class RecordingScheduler implements SchedulerPort {
  readonly schedules = new Map<string, ScheduleSpec>();
  async upsertSchedule(spec: ScheduleSpec) {
    this.schedules.set(spec.name, spec);
  }
  async deleteSchedule(name: string) {
    this.schedules.delete(name);
  }
}

/**
 * The sandbox cloud with some calls replaced: `override('describeInstances', (target) => ...)` makes one
 * call fail (or answer differently) for the tests of the error paths.
 */
export function withOverrides(
  cloud: CustomerCloudPort,
  overrides: Partial<{ [K in keyof CustomerCloudPort]: CustomerCloudPort[K] }>,
): CustomerCloudPort {
  return new Proxy(cloud, {
    get(target, prop, receiver) {
      const replaced = overrides[prop as keyof CustomerCloudPort];
      if (replaced) return replaced;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export interface DiscoveryHarness {
  sandbox: SandboxCloud;
  workflows: LocalStepFunctions;
  scheduler: RecordingScheduler;
  keyService: KeyServicePort;
}

/** Installs the sandbox as the customer's cloud and Kubernetes, the local Step Functions and a scheduler. */
export function installDiscoveryHarness(options: SandboxOptions = {}): DiscoveryHarness {
  const sandbox = new SandboxCloud({ seed: 42, ...options });
  const harness = {
    sandbox,
    workflows: new LocalStepFunctions({ retryIntervalMs: 10, waitTimeMs: 10 }),
    scheduler: new RecordingScheduler(),
    keyService: new LocalKeyService(randomBytes(32)),
  };
  configurePorts({
    cloud: sandbox,
    kubernetes: sandbox.kubernetesPort,
    workflows: harness.workflows,
    scheduler: harness.scheduler,
    keyService: harness.keyService,
  });
  return harness;
}

export function useCloud(cloud: CustomerCloudPort, kubernetes?: KubernetesPort) {
  configurePorts({ cloud, ...(kubernetes ? { kubernetes } : {}) });
}

/**
 * A connected access-key account of the organization over sandbox account `index` (as Cloud Connect
 * leaves it: `scanning`, the secret sealed with AAD `<orgId>/<accountId>`).
 */
export async function seedSandboxAccount(harness: DiscoveryHarness, orgId: string, index = 0) {
  const keys = sandboxKeys(harness.sandbox).accounts[index];
  if (!keys) throw new Error(`The sandbox has no account #${index}`);
  return seedAccount(orgId, keys, harness.keyService, `Sandbox ${index}`);
}

/** Sandbox account `index` in `region`, with the account's own keys: the customer's view of its cloud. */
export function sandboxTarget(harness: DiscoveryHarness, region: string, index = 0): CloudTarget {
  const keys = sandboxKeys(harness.sandbox).accounts[index];
  if (!keys) throw new Error(`The sandbox has no account #${index}`);
  return {
    region,
    credentials: { kind: 'access-key', accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
  };
}

/** Runs one discovery of the account to its end. */
export async function runDiscovery(harness: DiscoveryHarness, orgId: string, accountId: string) {
  const started = Date.now();
  const { executionArn } = await harness.workflows.startExecution('discovery', { orgId, accountId });
  const record = await harness.workflows.waitForExecution(executionArn);
  return { record, ms: Date.now() - started };
}

/**
 * Runs one discovery of the account to its end, calling `watch` every `everyMs` while it runs (and once
 * more at the end): what the API shows as the run goes.
 */
export async function runDiscoveryWatching<T>(
  harness: DiscoveryHarness,
  orgId: string,
  accountId: string,
  watch: () => Promise<T>,
  everyMs = 100,
) {
  const { executionArn } = await harness.workflows.startExecution('discovery', { orgId, accountId });
  const seen: T[] = [];
  let done = false;
  const finished = harness.workflows.waitForExecution(executionArn).finally(() => {
    done = true;
  });
  while (!done) {
    seen.push(await watch());
    await Promise.race([finished, new Promise((r) => setTimeout(r, everyMs))]);
  }
  seen.push(await watch());
  return { record: await finished, seen };
}

/** Every target region the cloud was asked about, for assertions on where calls went. */
export const regionOf = (target: CloudTarget) => target.region;

import { SandboxCloud, sandboxKeys } from '@spot/local/sandbox/index';
const nowMs = Date.parse('2026-03-04T15:00:00Z');
const sandbox = new SandboxCloud({ seed: 42, clock: { now: () => new Date(nowMs) } });
for (const name of ['staging-storefront-use1', 'staging-payments-euw1', 'dev-storefront-euw1']) {
  const c = sandbox.world.clusters.find((x) => x.name === name)!;
  const k = sandboxKeys(sandbox).accounts.find((a) => a.awsAccountId === c.awsAccountId)!;
  const target = { region: c.region, credentials: { kind: 'access-key' as const, accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey } };
  const asgs = await sandbox.describeAutoScalingGroups(target);
  for (const ng of c.nodeGroups) {
    const s = sandbox.simulation.scalingAt(ng, nowMs);
    const asg = asgs.find((a) => a.name === ng.autoScalingGroupName || (a as any).autoScalingGroupName === ng.autoScalingGroupName);
    console.log(name, ng.name, ng.kind, 'autoscaled', ng.autoscaled, 'sim', JSON.stringify(s), 'nodes', sandbox.simulation.nodesAt(ng, nowMs).length, 'asg', JSON.stringify(asg && { min: (asg as any).minSize, desired: (asg as any).desiredCapacity ?? (asg as any).desiredSize, n: (asg as any).instances?.length }));
  }
}

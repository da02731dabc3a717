/**
 * The only state of the sandbox: what the product (or the person playing the customer) changed. Scaling
 * changes made through the port, the onboarding stacks "deployed" and the clusters "created" through the
 * local routes. Kept in
 * `<dataDir>/sandbox-state.json` so a restart of the local stack keeps hibernated groups asleep and
 * connections working. Everything else is recomputed from the seed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { OverrideSource, ScalingOverride } from './simulation';

const overrideSchema = z.object({
  nodeGroupKey: z.string(),
  at: z.string(),
  minSize: z.number().int().nonnegative(),
  desiredSize: z.number().int().nonnegative(),
  maxSize: z.number().int().nonnegative(),
  vacatedSlots: z.array(z.number().int().nonnegative()).optional(),
});

const limitSchema = z.object({
  nodeGroupKey: z.string(),
  at: z.string(),
  cpu: z.string().nullable(),
});
/** A Karpenter NodePool's `spec.limits.cpu` as set through the port, from `atMs` on. */
export interface NodePoolLimit {
  nodeGroupKey: string;
  atMs: number;
  cpu: string | null;
}

const roleSchema = z.object({
  awsAccountId: z.string(),
  roleName: z.string(),
  roleArn: z.string(),
  externalId: z.string(),
  enableWriteActions: z.boolean(),
  deployedAt: z.string(),
});
export type DeployedRole = z.infer<typeof roleSchema>;

const stateFileSchema = z.object({
  schemaVersion: z.literal(1),
  /** `<seed>/<size>`: scaling changes only make sense for the world they were made in. */
  world: z.string(),
  overrides: z.array(overrideSchema).default([]),
  nodePoolLimits: z.array(limitSchema).default([]),
  roles: z.array(roleSchema).default([]),
  /** Clusters of the world that exist only once created (`createdOnRequest`), and when they were. */
  createdClusters: z.array(z.object({ name: z.string(), at: z.string() })).default([]),
  /** Clusters whose EKS access entry for the platform's role was removed (restricted clusters, ADR 0059). */
  clustersWithoutAccessEntry: z.array(z.string()).default([]),
  /** Kubernetes permissions taken away from a subject of a cluster's RBAC (ADR 0070, `rbac.ts`). */
  revokedPermissions: z
    .array(z.object({ cluster: z.string(), subject: z.string(), verb: z.string(), resource: z.string() }))
    .default([]),
});

/** A permission taken away from one subject of one cluster. */
export interface RevokedPermission {
  cluster: string;
  subject: string;
  verb: string;
  resource: string;
}
const revokedKey = (r: RevokedPermission) => `${r.cluster}|${r.subject}|${r.verb}|${r.resource}`;

export class SandboxState implements OverrideSource {
  private readonly overrides = new Map<string, ScalingOverride[]>();
  private readonly roles: DeployedRole[] = [];
  private readonly limits = new Map<string, NodePoolLimit[]>();
  private readonly created = new Map<string, number>();
  private readonly withoutAccessEntry = new Set<string>();
  private readonly revoked = new Map<string, RevokedPermission>();

  /**
   * @param worldId `<seed>/<size>` of the world this state belongs to
   * @param file where to persist; undefined keeps the state in memory only (tests)
   */
  constructor(
    private readonly worldId: string,
    private readonly file?: string,
    private readonly log: (message: string) => void = () => {},
  ) {
    if (file && existsSync(file)) this.load(file);
  }

  private load(file: string): void {
    let parsed: z.infer<typeof stateFileSchema>;
    try {
      parsed = stateFileSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch (err) {
      this.log(`sandbox: ignoring unreadable ${file} (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    if (parsed.world === this.worldId) {
      for (const o of parsed.overrides) this.insertOverride({ ...o, atMs: Date.parse(o.at) });
      for (const l of parsed.nodePoolLimits) this.insertLimit({ ...l, atMs: Date.parse(l.at) });
      this.roles.push(...parsed.roles);
      for (const c of parsed.createdClusters) this.created.set(c.name, Date.parse(c.at));
      for (const name of parsed.clustersWithoutAccessEntry) this.withoutAccessEntry.add(name);
      for (const r of parsed.revokedPermissions) this.revoked.set(revokedKey(r), r);
    } else {
      this.log(`sandbox: ${file} belongs to world ${parsed.world}, not ${this.worldId}: starting afresh`);
    }
  }

  overridesFor(nodeGroupKey: string): readonly ScalingOverride[] {
    return this.overrides.get(nodeGroupKey) ?? [];
  }

  addOverride(override: ScalingOverride): void {
    this.insertOverride(override);
    this.save();
  }

  private insertOverride(override: ScalingOverride): void {
    const list = this.overrides.get(override.nodeGroupKey) ?? [];
    list.push(override);
    // Stable by time: two changes at the same instant keep their order.
    list.sort((a, b) => a.atMs - b.atMs);
    this.overrides.set(override.nodeGroupKey, list);
  }

  /** The NodePool's latest CPU limit set at or before `atMs`, or undefined when none was set. */
  nodePoolLimitAt(nodeGroupKey: string, atMs: number): NodePoolLimit | undefined {
    let found: NodePoolLimit | undefined;
    for (const l of this.limits.get(nodeGroupKey) ?? []) {
      if (l.atMs <= atMs) found = l;
      else break;
    }
    return found;
  }

  setNodePoolLimit(limit: NodePoolLimit): void {
    this.insertLimit(limit);
    this.save();
  }

  private insertLimit(limit: NodePoolLimit): void {
    const list = this.limits.get(limit.nodeGroupKey) ?? [];
    list.push(limit);
    list.sort((a, b) => a.atMs - b.atMs);
    this.limits.set(limit.nodeGroupKey, list);
  }

  deployedRoles(awsAccountId?: string): readonly DeployedRole[] {
    return awsAccountId ? this.roles.filter((r) => r.awsAccountId === awsAccountId) : this.roles;
  }

  /** Records a deployed onboarding stack; deploying again with the same role name updates it. */
  deployRole(role: DeployedRole): void {
    const index = this.roles.findIndex(
      (r) => r.awsAccountId === role.awsAccountId && r.roleName === role.roleName,
    );
    if (index >= 0) this.roles[index] = role;
    else this.roles.push(role);
    this.save();
  }

  /** When the cluster was created through the local route, or undefined when it was not (yet). */
  clusterCreatedAt(name: string): number | undefined {
    return this.created.get(name);
  }

  /** Records a cluster's creation; creating it again keeps the first instant. */
  createCluster(name: string, atMs: number): number {
    const first = this.created.get(name);
    if (first !== undefined) return first;
    this.created.set(name, atMs);
    this.save();
    return atMs;
  }

  /** Forgets a cluster's creation (it was deleted); false when it was not created. */
  deleteCluster(name: string): boolean {
    if (!this.created.delete(name)) return false;
    this.save();
    return true;
  }

  /** Whether the platform's role has its (read-only) EKS access entry on the cluster: yes unless removed. */
  hasAccessEntry(name: string): boolean {
    return !this.withoutAccessEntry.has(name);
  }

  setAccessEntry(name: string, present: boolean): void {
    if (present) this.withoutAccessEntry.delete(name);
    else this.withoutAccessEntry.add(name);
    this.save();
  }

  /** Whether the permission was taken away from the subject on the cluster. */
  isRevoked(permission: RevokedPermission): boolean {
    return this.revoked.has(revokedKey(permission));
  }

  /** Takes a permission away (`revoked`), or gives it back. */
  setRevoked(permission: RevokedPermission, revoked: boolean): void {
    if (revoked) this.revoked.set(revokedKey(permission), { ...permission });
    else this.revoked.delete(revokedKey(permission));
    this.save();
  }

  private save(): void {
    if (!this.file) return;
    const body = {
      schemaVersion: 1,
      world: this.worldId,
      overrides: [...this.overrides.values()]
        .flat()
        .map(({ atMs, ...o }) => ({ ...o, at: new Date(atMs).toISOString() })),
      nodePoolLimits: [...this.limits.values()]
        .flat()
        .map(({ atMs, ...l }) => ({ ...l, at: new Date(atMs).toISOString() })),
      roles: this.roles,
      createdClusters: [...this.created].map(([name, atMs]) => ({ name, at: new Date(atMs).toISOString() })),
      clustersWithoutAccessEntry: [...this.withoutAccessEntry],
      revokedPermissions: [...this.revoked.values()],
    };
    mkdirSync(dirname(this.file), { recursive: true });
    // Write then rename, so a crash never leaves half a file.
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
    chmodSync(this.file, 0o600);
  }
}

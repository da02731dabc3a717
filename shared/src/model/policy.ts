import { z } from 'zod';

/**
 * Optimization policies: the rules the optimizer reads before it acts. An organization has one default
 * policy (a complete document); an account and a cluster may each override any part of it (a partial
 * document of the same shape). The effective policy of a cluster is default ⊕ account ⊕ cluster
 * (`shared/src/policy/merge.ts`). This module is the contract: the shapes the API takes and answers, with
 * units in the names and a message a person can act on for every rule.
 */

export const policyLevels = ['organization', 'account', 'cluster'] as const;
export type PolicyLevel = (typeof policyLevels)[number];
/** Where an effective value came from: a level, or the product's default when no level set it. */
export type PolicySource = PolicyLevel | 'default';

export const provisioningStrategies = ['lowest-cost', 'capacity-optimized'] as const;
export const binPackingAggressiveness = ['conservative', 'balanced', 'aggressive'] as const;
export type BinPackingAggressiveness = (typeof binPackingAggressiveness)[number];
/** "Utilized" below this share of allocatable makes a node a consolidation candidate (specification). */
export const binPackingUtilizationThresholdPct: Readonly<Record<BinPackingAggressiveness, number>> = {
  conservative: 20,
  balanced: 50,
  aggressive: 80,
};
export const consolidationMethods = ['delete-empty', 'replace-and-move'] as const;
export const rightsizingModes = ['off', 'recommendations', 'automatic'] as const;

/**
 * Excluded by default and shown as such: kube-system holds the AWS VPC CNI (`aws-node`), CoreDNS and
 * kube-proxy, which must never be evicted or resized (moving them cuts the cluster's network).
 */
export const defaultExcludedNamespaces = ['kube-system'] as const;

/** A Kubernetes namespace name (RFC 1123 label). */
const namespaceSchema = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'A namespace is 1-63 lowercase letters, digits and dashes, starting and ending with a letter or digit.',
  );

/** A label key (optional DNS prefix + name) and, optionally, the value it must have. */
export const labelSelectorSchema = z.strictObject({
  key: z
    .string()
    .trim()
    .regex(
      /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
      'A label key is a name such as app or karpenter.sh/do-not-disrupt (an optional DNS prefix, a slash, 1-63 letters, digits, -, _ and .).',
    ),
  value: z
    .string()
    .trim()
    .regex(
      /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/,
      'A label value is at most 63 letters, digits, -, _ and ., starting and ending with a letter or digit.',
    )
    .optional(),
});
export type PolicyLabelSelector = z.infer<typeof labelSelectorSchema>;

const nodeTemplateIdSchema = z.string().trim().min(1, 'Choose a node template or none.').max(64);

// The sections without defaults: the override documents are built from these (every field optional).
const autoscalingShape = {
  enabled: z.boolean(),
  strategy: z.enum(provisioningStrategies, {
    error: 'The provisioning strategy is lowest-cost or capacity-optimized.',
  }),
  /** The node template whose instance types bound what the autoscaler may launch; `null`: no boundary. */
  nodeTemplateId: nodeTemplateIdSchema.nullable(),
  spotFallbackToOnDemand: z.boolean(),
};
const binPackingShape = {
  aggressiveness: z.enum(binPackingAggressiveness, {
    error: 'Aggressiveness is conservative, balanced or aggressive.',
  }),
  method: z.enum(consolidationMethods, { error: 'The method is delete-empty or replace-and-move.' }),
  stabilizationWindowMinutes: z
    .number({ error: 'The stabilization window is a number of minutes.' })
    .int('Use a whole number of minutes.')
    .min(0, 'The stabilization window cannot be negative.')
    .max(1440, 'Keep the stabilization window to 1440 minutes (one day) or less.'),
  /** Nodes the optimizer drains at once in a cluster (one wave of a consolidation run). */
  maxNodesInFlight: z
    .number({ error: 'The nodes in flight is a number of nodes.' })
    .int('Use a whole number of nodes.')
    .min(1, 'At least one node is drained at a time.')
    .max(20, 'Drain at most 20 nodes at once.'),
  /**
   * Consolidation runs on the cluster's schedule (hourly) without a person starting them (ADR 0044). Off
   * by default: a person previews the plan and switches it on.
   */
  automationEnabled: z.boolean({ error: 'Automation is on (true) or off (false).' }),
  /**
   * Node group takeover (ADR 0067): a consolidation run may lower an ASG's or managed node group's
   * minimum size to what its plan needs, right before terminating the node that needs it, never below
   * what the group's remaining pods need (its IaC may set it back; every change is audited). No product
   * default value (ADR 0088): unset at every level, it follows the aggressiveness (on at Aggressive only);
   * read it through `lowerGroupMinimumsOf` (`shared/src/policy/merge.ts`), never directly.
   */
  lowerGroupMinimums: z.boolean({
    error: 'Lowering node group minimums is allowed (true) or not (false).',
  }),
};
const rightsizingShape = {
  mode: z.enum(rightsizingModes, { error: 'The rightsizing mode is off, recommendations or automatic.' }),
  safetyBufferPct: z
    .number({ error: 'The safety buffer is a percentage.' })
    .int('Use a whole percentage.')
    .min(10, 'The safety buffer is at least 10 %.')
    .max(50, 'The safety buffer is at most 50 %.'),
  severityThresholdUsdPerMonth: z
    .number({ error: 'The severity threshold is an amount in USD per month.' })
    .min(0, 'The severity threshold cannot be negative.')
    .max(100_000, 'Keep the severity threshold to 100,000 USD per month or less.'),
};
const spotRulesShape = {
  forceSpot: z.boolean(),
  preferSpot: z.boolean(),
  blockBurstableFamilies: z.boolean(),
  enforceMultiAzSpread: z.boolean(),
};
const governanceShape = {
  excludedNamespaces: z
    .array(namespaceSchema)
    .max(200, 'Exclude at most 200 namespaces.')
    .transform((ns) => [...new Set(ns)]),
  excludedLabelSelectors: z.array(labelSelectorSchema).max(50, 'Use at most 50 label selectors.'),
};

const bothSpotRules = 'Choose either force spot or prefer spot, not both.';

/** The complete policy (the organization default and every effective policy); missing fields take the defaults. */
export const policySchema = z
  .strictObject({
    infrastructure: z
      .strictObject({
        autoscaling: z
          .strictObject({
            enabled: autoscalingShape.enabled.default(true),
            strategy: autoscalingShape.strategy.default('capacity-optimized'),
            nodeTemplateId: autoscalingShape.nodeTemplateId.default(null),
            spotFallbackToOnDemand: autoscalingShape.spotFallbackToOnDemand.default(true),
          })
          .prefault({}),
        binPacking: z
          .strictObject({
            aggressiveness: binPackingShape.aggressiveness.default('balanced'),
            method: binPackingShape.method.default('replace-and-move'),
            stabilizationWindowMinutes: binPackingShape.stabilizationWindowMinutes.default(10),
            // One at a time until the customer chooses otherwise: the slowest, safest drain.
            maxNodesInFlight: binPackingShape.maxNodesInFlight.default(1),
            automationEnabled: binPackingShape.automationEnabled.default(false),
            // No default (ADR 0088): absent means "follow the aggressiveness", so an explicit false a
            // customer saved stays distinguishable from a value nobody chose.
            lowerGroupMinimums: binPackingShape.lowerGroupMinimums.optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    workload: z
      .strictObject({
        rightsizing: z
          .strictObject({
            mode: rightsizingShape.mode.default('recommendations'),
            safetyBufferPct: rightsizingShape.safetyBufferPct.default(20),
            severityThresholdUsdPerMonth: rightsizingShape.severityThresholdUsdPerMonth.default(10),
          })
          .prefault({}),
        spotRules: z
          .strictObject({
            forceSpot: spotRulesShape.forceSpot.default(false),
            preferSpot: spotRulesShape.preferSpot.default(true),
            blockBurstableFamilies: spotRulesShape.blockBurstableFamilies.default(false),
            enforceMultiAzSpread: spotRulesShape.enforceMultiAzSpread.default(false),
          })
          .prefault({}),
      })
      .prefault({}),
    governance: z
      .strictObject({
        excludedNamespaces: governanceShape.excludedNamespaces.default([...defaultExcludedNamespaces]),
        excludedLabelSelectors: governanceShape.excludedLabelSelectors.default([]),
      })
      .prefault({}),
  })
  .superRefine((p, ctx) => {
    if (p.workload.spotRules.forceSpot && p.workload.spotRules.preferSpot) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'spotRules', 'preferSpot'], message: bothSpotRules });
    }
  });
export type Policy = z.infer<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

/** The product's default policy (what an organization has before its first save). */
export const defaultPolicy: Policy = policySchema.parse({});

const partialSection = <S extends z.ZodRawShape>(shape: S) => z.strictObject(shape).partial().optional();

/**
 * An account's or a cluster's overrides: any field of the policy, every one optional; what it leaves out
 * is inherited. Lists (namespaces, selectors) replace the inherited list as a whole.
 */
export const policyOverridesSchema = z
  .strictObject({
    infrastructure: z
      .strictObject({
        autoscaling: partialSection(autoscalingShape),
        binPacking: partialSection(binPackingShape),
      })
      .optional(),
    workload: z
      .strictObject({
        rightsizing: partialSection(rightsizingShape),
        spotRules: partialSection(spotRulesShape),
      })
      .optional(),
    governance: partialSection(governanceShape),
  })
  .superRefine((p, ctx) => {
    if (p.workload?.spotRules?.forceSpot === true && p.workload.spotRules.preferSpot === true) {
      ctx.addIssue({ code: 'custom', path: ['workload', 'spotRules', 'preferSpot'], message: bothSpotRules });
    }
  });
export type PolicyOverrides = z.infer<typeof policyOverridesSchema>;

// ------------------------------------------------------------------------------------------- routes

/** One change between two versions: a leaf field's dotted path and its values (`null`: not set). */
export const policyChangeSchema = z.object({
  path: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export type PolicyChange = z.infer<typeof policyChangeSchema>;

/** Who saved a version: the user's id and email (the email as the audit record names them). */
const policyAuthorFields = {
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
  updatedByEmail: z.string().nullable(),
};

/**
 * `GET/PUT .../policy`: the current document of one level. `version` 0 means nothing was saved yet (the
 * organization then answers the product's default, an account or cluster no overrides).
 */
export const organizationPolicyViewSchema = z.object({
  level: z.literal('organization'),
  version: z.number().int().nonnegative(),
  policy: policySchema,
  ...policyAuthorFields,
});
export const policyOverridesViewSchema = z.object({
  level: z.enum(['account', 'cluster']),
  /** The account's or cluster's id. */
  scopeId: z.string(),
  version: z.number().int().nonnegative(),
  policy: policyOverridesSchema,
  ...policyAuthorFields,
});
export type OrganizationPolicyView = z.infer<typeof organizationPolicyViewSchema>;
export type PolicyOverridesView = z.infer<typeof policyOverridesViewSchema>;

const versionReadSchema = z
  .number({ error: 'Send the version you read (0 when there was none yet).' })
  .int('The version is a whole number.')
  .min(0, 'The version is 0 or more.');
export const putOrganizationPolicyInputSchema = z.strictObject({
  version: versionReadSchema,
  policy: policySchema,
});
export const putPolicyOverridesInputSchema = z.strictObject({
  version: versionReadSchema,
  policy: policyOverridesSchema,
});

/** `POST .../policy/versions/{version}/restore` names the version to restore in its path. */
export const policyVersionPathSchema = z.object({
  id: z.string().min(1).max(100),
  // A path segment is text: a positive whole number of at most 10 digits, read as a number.
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'A version is a positive whole number, such as 3.')
    .transform(Number),
});
export const organizationPolicyVersionPathSchema = policyVersionPathSchema.pick({ version: true });

export const policyVersionViewSchema = z.object({
  version: z.number().int().positive(),
  /** The document saved as this version (complete for the organization, overrides for the others). */
  policy: z.record(z.string(), z.unknown()),
  /** What changed against the previous version (the first version: against the default / no overrides). */
  changes: z.array(policyChangeSchema),
  /** The version this one restored, `null` for an ordinary save. */
  restoredFrom: z.number().int().positive().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  createdByEmail: z.string(),
});
export type PolicyVersionView = z.infer<typeof policyVersionViewSchema>;
export const policyVersionListResponseSchema = z.object({ items: z.array(policyVersionViewSchema) });

/** `GET /api/client/clusters/{id}/policy/effective`. */
export const effectivePolicyResponseSchema = z.object({
  clusterId: z.string(),
  accountId: z.string(),
  policy: policySchema,
  /** Each leaf field's dotted path and the level that set it (`default`: no level did). */
  sources: z.record(z.string(), z.enum(['default', ...policyLevels])),
  /** The version of each level merged (0: that level has none). */
  versions: z.object({
    organization: z.number().int().nonnegative(),
    account: z.number().int().nonnegative(),
    cluster: z.number().int().nonnegative(),
  }),
});
export type EffectivePolicyResponse = z.infer<typeof effectivePolicyResponseSchema>;

/**
 * `POST /api/client/clusters/{id}/policy/preview`: a draft of the cluster's overrides (what the cluster
 * page edits), merged over the saved organization and account levels; nothing is written.
 */
export const policyPreviewInputSchema = z.strictObject({ policy: policyOverridesSchema });

export const policyPreviewCards = [
  'autoscaling',
  'binPacking',
  'rightsizing',
  'spotRules',
  'governance',
] as const;
export type PolicyPreviewCard = (typeof policyPreviewCards)[number];

export const previewCardSchema = z.object({
  /** Potential savings of the card under the draft, USD/month; `null` when it cannot be computed honestly. */
  monthlySavingUsd: z.number().nonnegative().nullable(),
  /** Why the figure is null or zero, or what it assumes; `null` when there is nothing to say. */
  note: z.string().nullable(),
});
export const policyPreviewResponseSchema = z.object({
  clusterId: z.string(),
  /** The effective policy the figures were computed under. */
  policy: policySchema,
  cards: z.object({
    autoscaling: previewCardSchema,
    binPacking: previewCardSchema,
    rightsizing: previewCardSchema,
    spotRules: previewCardSchema,
    governance: previewCardSchema,
  }),
  /** The cards combined without double counting (the dashboard's rule), USD/month. */
  totalMonthlySavingUsd: z.number().nonnegative(),
  monthlyRunRateUsd: z.number().nonnegative(),
  /** Cost of the exempt ("Unmanaged") workloads: still in the spend, never in the savings, USD/month. */
  unmanagedMonthlyCostUsd: z.number().nonnegative(),
  /** Rightsizing changes under the draft (per replica, with the evidence), largest saving first. */
  recommendations: z.array(
    z.object({
      namespace: z.string(),
      workload: z.string(),
      replicas: z.number(),
      cpuRequestMilli: z.object({ current: z.number(), recommended: z.number() }),
      memoryRequestMiB: z.object({ current: z.number(), recommended: z.number() }),
      /** Per replica; the limit keeps its ratio to the request; `null`: the workload declares no limit. */
      cpuLimitMilli: z.object({ current: z.number(), recommended: z.number() }).nullable(),
      memoryLimitMiB: z.object({ current: z.number(), recommended: z.number() }).nullable(),
      monthlySavingUsd: z.number(),
      status: z.enum(['apply', 'below-threshold']),
      evidence: z.object({
        cpuPercentile: z.number(),
        cpuP95Milli: z.number().nullable(),
        memoryPeakMiB: z.number().nullable(),
        windowDays: z.number().int().nonnegative(),
        oomKills: z.number().int().nonnegative(),
        hpaScaled: z.array(z.enum(['cpu', 'memory'])),
      }),
    }),
  ),
  /** The exempt workloads ("Unmanaged"): cost kept in the spend, no savings anywhere. */
  unmanagedWorkloads: z.array(
    z.object({ namespace: z.string(), workload: z.string(), monthlyCostUsd: z.number(), reason: z.string() }),
  ),
  /** When the inventory the preview used was last synced (`null`: never). */
  snapshotAt: z.string().nullable(),
  notes: z.array(z.string()),
});
export type PolicyPreviewResponse = z.infer<typeof policyPreviewResponseSchema>;

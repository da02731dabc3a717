/**
 * A cluster's health score (0-100), the registry's gauge. Three factors, each scored 0-100 and weighted;
 * a factor with no measurement is left out and the others' weights renormalised (an agentless cluster
 * has no API latency figure, an agent older than the error figure none of it, which is no reason to call
 * either unhealthy):
 * - control-plane latency, weight 0.4: the API server's p99 (the stability index's latency input) against
 *   its objective (1000 ms by default): 100 up to half the objective, 0 at twice it, linear between;
 * - control-plane error rate, weight 0.3: the share of the last snapshot's API requests answered 5xx/429
 *   or not answered (`controlPlane.errorRatio`, ADR 0086): 100 at none, 0 at 5 % or more, linear between.
 *   1 % (the 99 % availability objective of the common API server error-budget alerts) reads 80; 3 % (the
 *   usual critical alert on the API server's 5xx share) reads 40; at 5 % one request in twenty fails and
 *   every controller is retrying, a control plane that is not serving;
 * - agent heartbeat, weight 0.3: minutes since the last contact (agent heartbeat or snapshot, whichever is
 *   later): 100 up to 15 min, 0 at 120 min or never, linear between.
 * Node pressure events are not a control-plane error and are no longer a factor here: they stay in the
 * stability index and in the registry's node-pressure alert.
 */
export const healthWeights = { latency: 0.4, errors: 0.3, heartbeat: 0.3 } as const;
/** At or above this score a cluster is "healthy"; below it, "degraded". */
export const healthyMinScore = 70;
const heartbeatFreshMinutes = 15;
const heartbeatLostMinutes = 120;
/** The error ratio (0-1) at which the error factor reaches 0. */
export const healthErrorRatioZero = 0.05;

export interface HealthInput {
  apiLatencyP99Ms: number | null;
  latencyObjectiveP99Ms: number;
  /** Share (0-1) of the control plane's API requests that failed; null when not measured. */
  apiErrorRatio: number | null;
  /** ISO time of the last contact (heartbeat or snapshot); null when never. */
  lastContactAt: string | null;
}

export interface HealthScore {
  /** 0-100, rounded. */
  score: number;
  status: 'healthy' | 'degraded';
  factors: {
    latency: number | null;
    errors: number | null;
    heartbeat: number;
  };
  /** Minutes since the last contact, null when never. */
  minutesSinceContact: number | null;
}

/** 100 at or below `good`, 0 at or above `bad`, linear between (good < bad). */
function linear(value: number, good: number, bad: number): number {
  if (value <= good) return 100;
  if (value >= bad) return 0;
  return (100 * (bad - value)) / (bad - good);
}

/** The weighted score of the factors measured (see the module comment for each factor's curve). */
export function healthScore(input: HealthInput, now: Date): HealthScore {
  const objective = input.latencyObjectiveP99Ms > 0 ? input.latencyObjectiveP99Ms : 1000;
  const latency =
    input.apiLatencyP99Ms === null || !Number.isFinite(input.apiLatencyP99Ms)
      ? null
      : linear(input.apiLatencyP99Ms, objective / 2, objective * 2);
  const errors =
    input.apiErrorRatio === null || !Number.isFinite(input.apiErrorRatio)
      ? null
      : linear(input.apiErrorRatio, 0, healthErrorRatioZero);
  const contact = input.lastContactAt ? Date.parse(input.lastContactAt) : Number.NaN;
  const minutesSinceContact = Number.isFinite(contact)
    ? Math.max(0, (now.getTime() - contact) / 60_000)
    : null;
  const heartbeat =
    minutesSinceContact === null
      ? 0
      : linear(minutesSinceContact, heartbeatFreshMinutes, heartbeatLostMinutes);
  const parts: [number | null, number][] = [
    [latency, healthWeights.latency],
    [errors, healthWeights.errors],
    [heartbeat, healthWeights.heartbeat],
  ];
  const measured = parts.filter((p): p is [number, number] => p[0] !== null);
  const weight = measured.reduce((s, [, w]) => s + w, 0);
  const score = Math.round(measured.reduce((s, [v, w]) => s + v * w, 0) / weight);
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    score,
    status: score >= healthyMinScore ? 'healthy' : 'degraded',
    factors: { latency: round(latency), errors: round(errors), heartbeat: Math.round(heartbeat) },
    minutesSinceContact: minutesSinceContact === null ? null : Math.round(minutesSinceContact),
  };
}

const pct = (weight: number) => `${Math.round(weight * 100)} %`;

/**
 * The gauge's tooltip: the score, each factor with the figure behind it (a factor not measured says so:
 * it is left out of the score, not counted as 0) and the weights, from {@link healthWeights}.
 */
export function healthFactorsText(item: {
  health: Pick<HealthScore, 'score' | 'factors' | 'minutesSinceContact'>;
  apiLatencyP99Ms: number | null;
  apiErrorRatio: number | null;
}): string {
  const { score, factors, minutesSinceContact } = item.health;
  const latency =
    factors.latency === null || item.apiLatencyP99Ms === null
      ? 'API latency not measured'
      : `API latency ${factors.latency} (p99 ${Math.round(item.apiLatencyP99Ms)} ms)`;
  const errors =
    factors.errors === null || item.apiErrorRatio === null
      ? 'control-plane errors not measured'
      : `control-plane errors ${factors.errors} (${Math.round(item.apiErrorRatio * 1000) / 10} % of API requests failed)`;
  const heartbeat = `agent heartbeat ${factors.heartbeat} (${
    minutesSinceContact === null ? 'never heard from' : `last contact ${minutesSinceContact} min ago`
  })`;
  const weights = `weights: latency ${pct(healthWeights.latency)}, errors ${pct(healthWeights.errors)}, heartbeat ${pct(healthWeights.heartbeat)}; a factor not measured is left out`;
  return `Health ${score}/100 — ${latency}, ${errors}, ${heartbeat} (${weights})`;
}

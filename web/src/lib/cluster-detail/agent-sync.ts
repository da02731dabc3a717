import type { ClusterSyncResponse } from '@spot/shared';

/** What Sync Now does next while it waits for the agent's snapshot (ADR 0076). */
export type AgentSyncOutcome =
  | { kind: 'answered'; text: string }
  | { kind: 'timed-out'; text: string }
  | { kind: 'waiting'; text: null };

/**
 * The outcome of one look at `GET .../clusters/{id}/sync` for the request the click made. Answered by the
 * server's times (the snapshot's own time is on the agent's clock); given up when the server no longer
 * counts the request pending (its {@link ClusterSyncResponse.answerWithinSeconds} are over) or when this
 * browser's clock says so, whichever comes first. `nowMs` is injected: the button passes `Date.now()`.
 */
export function agentSyncOutcome(
  request: Pick<ClusterSyncResponse, 'requestedAt' | 'answerWithinSeconds'>,
  state: Pick<ClusterSyncResponse, 'requestedAt' | 'answered' | 'pending'>,
  nowMs: number,
  clusterName: string,
): AgentSyncOutcome {
  if (state.answered && state.requestedAt === request.requestedAt)
    return { kind: 'answered', text: `${clusterName} is synced: its agent sent a fresh snapshot.` };
  const deadline = Date.parse(request.requestedAt) + request.answerWithinSeconds * 1000;
  if (!state.pending || nowMs > deadline)
    return {
      kind: 'timed-out',
      text: `The agent of ${clusterName} has not answered in ${request.answerWithinSeconds} s: is it running? Check its pod (namespace spot-optimizer).`,
    };
  return { kind: 'waiting', text: null };
}

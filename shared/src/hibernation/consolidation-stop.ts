/**
 * What becomes of a consolidation run's open node steps when the run is stopped (maintenance, an agent gone
 * quiet, a failure, or a hibernation sleep starting: issue 14, ADR 0089). The sleep plans its group sizes
 * from what the stop leaves, so the rule says which nodes are uncordoned (they stay and take pods again)
 * and which are leaving (their termination was asked for and goes ahead): never both, never neither for a
 * cordoned node.
 */

/** An open step as the stop sees it. */
export interface OpenNodeStep {
  node: string;
  state: 'pending' | 'draining' | 'terminating';
  /** Whether the run cordoned the node (its drain started). */
  cordoned: boolean;
}

export interface StoppedNodeStep {
  node: string;
  /** How the step is closed. */
  close: 'done' | 'failed' | 'skipped';
  /** The run asks the agent to uncordon the node. */
  uncordon: boolean;
  /** The node's termination was asked for already: it goes, and nothing may count on it staying. */
  leaving: boolean;
}

/**
 * One open step, stopped: a node whose termination was asked for is closed `done` and leaves; a cordoned
 * one is uncordoned and closed `failed` (its drain was cut short); one never touched is `skipped`.
 */
export function stoppedNodeStep(step: OpenNodeStep): StoppedNodeStep {
  if (step.state === 'terminating') return { node: step.node, close: 'done', uncordon: false, leaving: true };
  return {
    node: step.node,
    close: step.cordoned ? 'failed' : 'skipped',
    uncordon: step.cordoned,
    leaving: false,
  };
}

/** The nodes of stopped steps that are leaving: a sleep keeps none of them for critical pods. */
export const leavingNodes = (steps: readonly OpenNodeStep[]): string[] =>
  steps.map(stoppedNodeStep).flatMap((s) => (s.leaving ? [s.node] : []));

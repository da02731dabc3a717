import { agentCommandIdSchema } from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evictionId, newRunId } from '../src/domain/consolidation-run';

/** The workflow's command ids must be valid ids (8-100 safe characters) and tell pods and attempts apart. */
describe('consolidation run command ids', () => {
  const podName = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/);
  const namespace = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

  it('are valid command ids for any run, step, pod and attempt', () => {
    fc.assert(
      fc.property(
        fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2999-12-31') }),
        fc.nat(89),
        namespace,
        podName,
        fc.nat(1000),
        (now, step, ns, pod, attempt) => {
          const actionId = `${newRunId(now)}-n${step}`;
          const id = evictionId(actionId, `${ns}/${pod}`, attempt);
          expect(agentCommandIdSchema.safeParse(id).success, id).toBe(true);
          expect(agentCommandIdSchema.safeParse(`${actionId}:uncordon`).success).toBe(true);
        },
      ),
    );
  });

  it('differ between pods and between attempts, and are the same for the same ones', () => {
    fc.assert(
      fc.property(podName, podName, fc.nat(50), (a, b, attempt) => {
        fc.pre(a !== b);
        expect(evictionId('run-n0', `shop/${a}`, attempt)).not.toBe(
          evictionId('run-n0', `shop/${b}`, attempt),
        );
        expect(evictionId('run-n0', `shop/${a}`, attempt)).not.toBe(
          evictionId('run-n0', `shop/${a}`, attempt + 1),
        );
        expect(evictionId('run-n0', `shop/${a}`, attempt)).toBe(evictionId('run-n0', `shop/${a}`, attempt));
      }),
    );
  });
});

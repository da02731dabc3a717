import { describe, expect, it } from 'vitest';
import { sandboxAgentSettingsFromEnv } from '../../src/sandbox/agents';

describe('sandbox agent settings from the environment', () => {
  it('are on with the real agent’s periods by default', () => {
    expect(sandboxAgentSettingsFromEnv({})).toEqual({});
  });

  it('can be turned off, or shortened for tests', () => {
    expect(sandboxAgentSettingsFromEnv({ SPOT_SANDBOX_AGENTS: '0' })).toBe(false);
    expect(
      sandboxAgentSettingsFromEnv({
        SPOT_SANDBOX_AGENT_SNAPSHOT_SECONDS: '20',
        SPOT_SANDBOX_AGENT_HEARTBEAT_SECONDS: '2',
        SPOT_SANDBOX_AGENT_POLL_SECONDS: '0.5',
      }),
    ).toEqual({ snapshotIntervalMs: 20_000, heartbeatIntervalMs: 2_000, pollMs: 500 });
  });

  it('names the variable that is not a number of seconds', () => {
    expect(() => sandboxAgentSettingsFromEnv({ SPOT_SANDBOX_AGENT_POLL_SECONDS: 'soon' })).toThrow(
      'SPOT_SANDBOX_AGENT_POLL_SECONDS',
    );
  });
});

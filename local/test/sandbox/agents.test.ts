import { describe, expect, it } from 'vitest';
import { imageRelease } from '../../src/sandbox/agent-writes';
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

describe('the release the sandbox agents are installed at', () => {
  it('is an older one when SPOT_SANDBOX_AGENT_VERSION says so (registry drift to upgrade), a release only', () => {
    expect(sandboxAgentSettingsFromEnv({ SPOT_SANDBOX_AGENT_VERSION: '0.0.9' })).toEqual({
      agentVersion: '0.0.9',
    });
    expect(() => sandboxAgentSettingsFromEnv({ SPOT_SANDBOX_AGENT_VERSION: 'latest' })).toThrow(
      'SPOT_SANDBOX_AGENT_VERSION=latest',
    );
  });

  it('is read from the image tag of the agent’s Deployment', () => {
    expect(imageRelease('ghcr.io/spot-optimizer/spot-optimizer-agent:0.2.0')).toBe('0.2.0');
    expect(imageRelease('localhost:5000/agent:1.0.0@sha256:ab')).toBe('1.0.0');
    expect(imageRelease('localhost:5000/agent')).toBe('latest');
  });
});

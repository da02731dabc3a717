import { agentChartRouteKey, apiContracts } from '@spot/shared';
import { agentChart } from '../../domain/agent-chart';
import { httpHandler } from '../../http/handler';

/** The agent's packaged Helm chart for `helm upgrade --install … <url>`; public, no secret in it. */
export const handler = httpHandler(
  { auth: 'public', contract: apiContracts[agentChartRouteKey] },
  async () => ({
    file: agentChart(),
  }),
);

import { agentChartName, agentChartVersion } from '@spot/shared';
import { readAgentChartFiles } from '../lib/agent-chart-file';
import { tarGzOf } from '../lib/tar';

/** A top-level `key: value` of Chart.yaml (quotes dropped), without a YAML parser in the bundle. */
function chartField(chartYaml: string, key: string): string | undefined {
  return new RegExp(`^${key}:[ \\t]*["']?([^"'\\s#]+)["']?[ \\t]*(#.*)?$`, 'm').exec(chartYaml)?.[1];
}

/**
 * The agent's chart packaged as `helm package` makes it: a gzipped tar of the chart's files under
 * `spot-optimizer-agent/`. Throws when Chart.yaml's name or version is not the one the install commands'
 * URL names (the URL would then install another chart than it says). Deterministic bytes.
 */
export function packAgentChart(files: readonly { path: string; content: Uint8Array }[]): Buffer {
  const chartYaml = files.find((f) => f.path === 'Chart.yaml');
  if (!chartYaml) throw new Error('The agent chart has no Chart.yaml');
  const text = Buffer.from(chartYaml.content).toString('utf8');
  if (chartField(text, 'name') !== agentChartName || chartField(text, 'version') !== agentChartVersion)
    throw new Error(
      `Chart.yaml must name ${agentChartName} ${agentChartVersion} (agentChartVersion in shared): it names ${chartField(text, 'name')} ${chartField(text, 'version')}`,
    );
  return tarGzOf(files.map((f) => ({ path: `${agentChartName}/${f.path}`, content: f.content })));
}

let archive: Buffer | undefined;

/**
 * `GET /api/agent/spot-optimizer-agent-<version>.tgz` (ADR 0075): the chart the Helm and Terraform
 * install commands install by URL. The same bytes for everyone (values come from `--set`), so public;
 * packed once per function instance.
 */
export function agentChart(): { contentType: string; bytes: Buffer; fileName: string } {
  archive ??= packAgentChart(readAgentChartFiles());
  return {
    contentType: 'application/gzip',
    bytes: archive,
    fileName: `${agentChartName}-${agentChartVersion}.tgz`,
  };
}

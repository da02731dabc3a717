import {
  agentChartName,
  agentChartVersion,
  defaultAgentImageRepository,
  isAgentImageRepository,
} from '@spot/shared';
import { readAgentChartFiles } from '../lib/agent-chart-file';
import { agentImageRepository } from '../lib/agent-image';
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
export function packAgentChart(
  files: readonly { path: string; content: Uint8Array }[],
  imageRepository: string = defaultAgentImageRepository,
): Buffer {
  const chartYaml = files.find((f) => f.path === 'Chart.yaml');
  if (!chartYaml) throw new Error('The agent chart has no Chart.yaml');
  const text = Buffer.from(chartYaml.content).toString('utf8');
  if (chartField(text, 'name') !== agentChartName || chartField(text, 'version') !== agentChartVersion)
    throw new Error(
      `Chart.yaml must name ${agentChartName} ${agentChartVersion} (agentChartVersion in shared): it names ${chartField(text, 'name')} ${chartField(text, 'version')}`,
    );
  return tarGzOf(
    files.map((f) => ({
      path: `${agentChartName}/${f.path}`,
      content: f.path === 'values.yaml' ? withImageRepository(f.content, imageRepository) : f.content,
    })),
  );
}

/** values.yaml with the deployment's image repository in place of the default one (the same bytes when equal). */
function withImageRepository(content: Uint8Array, imageRepository: string): Uint8Array {
  if (!isAgentImageRepository(imageRepository))
    throw new Error(`Not an image repository (host/path, lowercase, no tag): ${imageRepository}`);
  const line = `\n  repository: ${defaultAgentImageRepository}\n`;
  const text = Buffer.from(content).toString('utf8');
  if (text.split(line).length !== 2)
    throw new Error(`values.yaml must set image.repository to ${defaultAgentImageRepository} exactly once`);
  if (imageRepository === defaultAgentImageRepository) return content;
  return Buffer.from(text.replace(line, `\n  repository: ${imageRepository}\n`), 'utf8');
}

let archive: { imageRepository: string; bytes: Buffer } | undefined;

/**
 * `GET /api/agent/spot-optimizer-agent-<version>.tgz` (ADR 0075): the chart the Helm and Terraform
 * install commands install by URL. The same bytes for everyone (values come from `--set`; the image
 * repository is the deployment's), so public; packed once per function instance.
 */
export function agentChart(): { contentType: string; bytes: Buffer; fileName: string } {
  const imageRepository = agentImageRepository();
  if (archive?.imageRepository !== imageRepository)
    archive = { imageRepository, bytes: packAgentChart(readAgentChartFiles(), imageRepository) };
  return {
    contentType: 'application/gzip',
    bytes: archive.bytes,
    fileName: `${agentChartName}-${agentChartVersion}.tgz`,
  };
}

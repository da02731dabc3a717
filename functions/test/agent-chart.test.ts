import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  agentChartName,
  agentChartPath,
  agentChartRouteKey,
  agentChartVersion,
  installCommands,
} from '@spot/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { agentChart, packAgentChart } from '../src/domain/agent-chart';
import { readAgentChartFiles } from '../src/lib/agent-chart-file';
import { tarGzOf, tarOf } from '../src/lib/tar';
import { routeKey, routes } from '../src/routes';
import { readTarGz } from './support/tar-archive';

/**
 * The agent's Helm chart as `GET /api/agent/spot-optimizer-agent-<version>.tgz` serves it (ADR 0075):
 * what `helm package` would make of agent/helm/spot-optimizer-agent, read back by the system's tar, the
 * same bytes every time, and the version of its URL the chart's own.
 */

const chartDir = fileURLToPath(new URL('../../agent/helm/spot-optimizer-agent', import.meta.url));
const repoChart = new Map(
  readdirSync(chartDir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(chartDir, path)).isFile())
    .map((path) => [
      relative(chartDir, join(chartDir, path)).split(sep).join('/'),
      readFileSync(join(chartDir, path)),
    ]),
);

describe("the agent's packaged chart", () => {
  const { bytes, contentType, fileName } = agentChart();
  const read = readTarGz(bytes);

  it("lists exactly the chart's files, each under spot-optimizer-agent/, with the repository's bytes", () => {
    expect(repoChart.size).toBeGreaterThanOrEqual(9);
    const expected = [...repoChart.keys()].map((p) => `${agentChartName}/${p}`).sort();
    // Sorted, files only (Helm skips directory entries; none are written), one top folder.
    expect(read.names).toEqual(expected);
    expect([...read.files.keys()].sort()).toEqual(expected);
    for (const [path, content] of repoChart)
      expect(read.files.get(`${agentChartName}/${path}`)?.equals(content), path).toBe(true);
  });

  it("passes Helm's archive rules: gzip magic, Chart.yaml in the chart's folder, no path leaving it", () => {
    // Helm's loader takes a file for a chart archive when its first bytes sniff as gzip.
    expect([...bytes.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
    expect(read.names).toContain(`${agentChartName}/Chart.yaml`);
    for (const name of read.names) {
      const [top, ...rest] = name.split('/');
      expect(top).toBe(agentChartName);
      expect(rest.length).toBeGreaterThan(0);
      expect(rest).not.toContain('..');
    }
    // Regular files, mode 0644, owner 0/0, the fixed 1970 time.
    for (const line of read.verbose) expect(line).toMatch(/^-rw-r--r-- 0\/0 +\d+ 1970-01-01 00:00 /);
  });

  it('is the same bytes on every build, whatever order the files are read in', () => {
    const files = readAgentChartFiles();
    const again = packAgentChart(files);
    expect(again.equals(bytes)).toBe(true);
    expect(packAgentChart([...files].reverse()).equals(bytes)).toBe(true);
    // gzip's header: no file name, time zero.
    expect(bytes.readUInt32LE(4)).toBe(0);
    expect(bytes[3]).toBe(0);
  });

  it("is served under the chart's own name and version, which its URL and the install commands name", () => {
    const chart = parse(repoChart.get('Chart.yaml')?.toString('utf8') ?? '') as Record<string, unknown>;
    expect(chart).toMatchObject({ apiVersion: 'v2', name: agentChartName, version: agentChartVersion });
    expect(agentChartPath).toBe(`/api/agent/${chart.name}-${chart.version}.tgz`);
    expect(fileName).toBe(`${chart.name}-${chart.version}.tgz`);
    expect(contentType).toBe('application/gzip');
    expect(routes.find((r) => routeKey(r) === agentChartRouteKey)).toMatchObject({
      auth: 'public',
      handler: 'agent/chart',
    });
    const commands = installCommands('https://spot.acme.example', 'payments-prod', 'spot_ins_x');
    expect(commands.chartUrl).toBe(`https://spot.acme.example${agentChartPath}`);
    expect(commands.helm).toContain(` ${commands.chartUrl} \\\n`);
    expect(commands.terraform).toContain(`chart            = "${commands.chartUrl}"`);
  });

  it("names the deployment's image repository in values.yaml, every other byte the repository's", () => {
    const ecr = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/spot-optimizer-agent';
    const own = readTarGz(packAgentChart(readAgentChartFiles(), ecr));
    const valuesPath = `${agentChartName}/values.yaml`;
    const ownValues = parse(own.files.get(valuesPath)?.toString('utf8') ?? '') as {
      image: { repository: string; tag: string };
    };
    expect(ownValues.image).toMatchObject({ repository: ecr, tag: agentChartVersion });
    for (const [path, content] of read.files)
      if (path !== valuesPath) expect(own.files.get(path)?.equals(content), path).toBe(true);
    // Only the repository line changed.
    const before = read.files.get(valuesPath)?.toString('utf8').split('\n') ?? [];
    const after = own.files.get(valuesPath)?.toString('utf8').split('\n') ?? [];
    expect(after.filter((line, i) => line !== before[i])).toEqual([`  repository: ${ecr}`]);
    expect(() => packAgentChart(readAgentChartFiles(), `${ecr}:1.0`)).toThrow(/Not an image repository/);
  });

  it('refuses a Chart.yaml whose name or version is not the one the URL names', () => {
    const files = readAgentChartFiles();
    const withChart = (text: string) =>
      files.map((f) => (f.path === 'Chart.yaml' ? { path: f.path, content: Buffer.from(text) } : f));
    const chartYaml = repoChart.get('Chart.yaml')?.toString('utf8') ?? '';
    expect(() => packAgentChart(withChart(chartYaml.replace(/^version: .*$/m, 'version: 0.2.0')))).toThrow(
      /must name spot-optimizer-agent 0\.1\.0.*names spot-optimizer-agent 0\.2\.0/,
    );
    expect(() => packAgentChart(withChart(chartYaml.replace(/^name: .*$/m, 'name: other')))).toThrow(
      /names other/,
    );
    expect(() => packAgentChart(files.filter((f) => f.path !== 'Chart.yaml'))).toThrow(/no Chart\.yaml/);
    // Quoted, as Helm also reads it.
    expect(() =>
      packAgentChart(withChart(chartYaml.replace(/^version: .*$/m, 'version: "0.1.0"'))),
    ).not.toThrow();
  });
});

describe('the ustar writer', () => {
  const segment = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,11}$/);
  const tree = fc.uniqueArray(
    fc.record({
      path: fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `top/${parts.join('/')}`),
      content: fc.uint8Array({ maxLength: 1500 }),
    }),
    { minLength: 1, maxLength: 8, selector: (f) => f.path },
  );
  // A path may not also be a folder of another (`top/a` and `top/a/b`): no file system holds both.
  const consistent = (files: { path: string }[]) =>
    files.every((f) => files.every((g) => !g.path.startsWith(`${f.path}/`)));

  it('writes what GNU tar reads back: the same paths, sorted, and the same bytes (property)', () => {
    fc.assert(
      fc.property(tree.filter(consistent), (files) => {
        const read = readTarGz(tarGzOf(files));
        const sorted = files.map((f) => f.path).sort();
        expect(read.names).toEqual(sorted);
        for (const f of files) expect(read.files.get(f.path)?.equals(Buffer.from(f.content))).toBe(true);
        return true;
      }),
      { numRuns: 20 },
    );
  });

  it('pads every entry to 512-byte blocks and ends with two zero blocks', () => {
    const tar = tarOf([{ path: 'a/b.txt', content: Buffer.from('hello') }]);
    expect(tar.length).toBe(512 + 512 + 1024);
    expect(
      gunzipSync(tarGzOf([{ path: 'a/b.txt', content: Buffer.from('hello') }])).equals(Buffer.from(tar)),
    ).toBe(true);
    expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it('refuses names Helm or ustar would not take, and the same path twice', () => {
    const one = (path: string) => () => tarOf([{ path, content: new Uint8Array() }]);
    expect(one('/etc/passwd')).toThrow(/plain relative path/);
    expect(one('top/../x')).toThrow(/plain relative path/);
    expect(one('top//x')).toThrow(/plain relative path/);
    expect(one(`top/${'x'.repeat(97)}`)).toThrow(/1-100 bytes/);
    expect(() =>
      tarOf([
        { path: 'top/a', content: new Uint8Array() },
        { path: 'top/a', content: new Uint8Array(1) },
      ]),
    ).toThrow(/twice/);
  });
});

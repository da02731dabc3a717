/**
 * The Amazon EKS Kubernetes version calendar, transcribed from `shared/data/eks_versions/eks_versions.tsv`
 * (vendored by `scripts/vendor-data.ts` from the endoflife.date project, which compiles AWS's "Kubernetes
 * versions" page; `shared/test/registry/eks-versions.test.ts` fails when the two differ). A TypeScript
 * constant rather than a file read, so the SPA and the Lambdas share it without a loader.
 */
export interface EksVersion {
  version: string;
  releaseDate: string;
  endOfStandardSupport: string;
  endOfExtendedSupport: string;
}

export const eksVersionCalendar: readonly EksVersion[] = [
  {
    version: '1.34',
    releaseDate: '2025-10-06',
    endOfStandardSupport: '2026-12-02',
    endOfExtendedSupport: '2027-12-02',
  },
  {
    version: '1.33',
    releaseDate: '2025-05-28',
    endOfStandardSupport: '2026-07-29',
    endOfExtendedSupport: '2027-07-29',
  },
  {
    version: '1.32',
    releaseDate: '2025-01-25',
    endOfStandardSupport: '2026-03-23',
    endOfExtendedSupport: '2027-03-23',
  },
  {
    version: '1.31',
    releaseDate: '2024-09-26',
    endOfStandardSupport: '2025-11-26',
    endOfExtendedSupport: '2026-11-26',
  },
  {
    version: '1.30',
    releaseDate: '2024-05-23',
    endOfStandardSupport: '2025-07-23',
    endOfExtendedSupport: '2026-07-23',
  },
  {
    version: '1.29',
    releaseDate: '2024-01-23',
    endOfStandardSupport: '2025-03-23',
    endOfExtendedSupport: '2026-03-23',
  },
  {
    version: '1.28',
    releaseDate: '2023-09-26',
    endOfStandardSupport: '2024-11-26',
    endOfExtendedSupport: '2025-11-26',
  },
  {
    version: '1.27',
    releaseDate: '2023-05-24',
    endOfStandardSupport: '2024-07-24',
    endOfExtendedSupport: '2025-07-24',
  },
  {
    version: '1.26',
    releaseDate: '2023-04-11',
    endOfStandardSupport: '2024-06-11',
    endOfExtendedSupport: '2025-06-11',
  },
  {
    version: '1.25',
    releaseDate: '2023-02-21',
    endOfStandardSupport: '2024-05-01',
    endOfExtendedSupport: '2025-05-01',
  },
  {
    version: '1.24',
    releaseDate: '2022-11-15',
    endOfStandardSupport: '2024-01-31',
    endOfExtendedSupport: '2025-01-31',
  },
  {
    version: '1.23',
    releaseDate: '2022-08-11',
    endOfStandardSupport: '2023-10-11',
    endOfExtendedSupport: '2024-10-11',
  },
];

/**
 * EKS control-plane prices per cluster-hour (AWS's pricing page at the time of the calendar's source):
 * standard support USD 0.10/h, extended support USD 0.60/h.
 */
export const eksStandardSupportHourlyPriceUsd = 0.1;
export const eksExtendedSupportHourlyPriceUsd = 0.6;
/** Hours in the product's month (the run rates' 730 h). */
const hoursPerMonth = 730;

/**
 * Where a cluster's version stands on a day:
 * - `current`: the newest version listed, or an unknown version newer than it (the calendar may be older
 *   than the release: never called end-of-life);
 * - `upgrade-available`: in standard support, a newer version exists;
 * - `extended-support`: past standard support (billed at the extended rate);
 * - `end-of-life`: past extended support (AWS upgrades the control plane itself);
 * - `unknown`: not a version the calendar can place (older than listed, or unreadable).
 */
export type EksVersionStatus =
  | 'current'
  | 'upgrade-available'
  | 'extended-support'
  | 'end-of-life'
  | 'unknown';

export interface EksVersionView {
  status: EksVersionStatus;
  /** The newest version of the calendar. */
  latestVersion: string;
  endOfStandardSupport: string | null;
  endOfExtendedSupport: string | null;
  /**
   * What extended support adds to the control plane, USD/month: (0.60 - 0.10) x 730 h while in extended
   * support, else 0.
   */
  extendedSupportExtraMonthlyUsd: number;
}

/** `1.29`, `v1.29.3-eks-…` -> [1, 29]; null when it is not a Kubernetes version. */
function majorMinor(version: string): [number, number] | null {
  const m = /^v?(\d+)\.(\d+)/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

const compare = (a: [number, number], b: [number, number]) => a[0] - b[0] || a[1] - b[1];

/** The calendar's view of `version` on `today` (`YYYY-MM-DD`, compared as dates). */
export function eksVersionStatus(version: string, today: string): EksVersionView {
  const latest = eksVersionCalendar[0] as EksVersion;
  const none = { endOfStandardSupport: null, endOfExtendedSupport: null, extendedSupportExtraMonthlyUsd: 0 };
  const parsed = majorMinor(version);
  if (!parsed) return { status: 'unknown', latestVersion: latest.version, ...none };
  const latestParsed = majorMinor(latest.version) as [number, number];
  if (compare(parsed, latestParsed) > 0) return { status: 'current', latestVersion: latest.version, ...none };
  const entry = eksVersionCalendar.find(
    (v) => compare(majorMinor(v.version) as [number, number], parsed) === 0,
  );
  if (!entry) return { status: 'unknown', latestVersion: latest.version, ...none };
  const dates = {
    endOfStandardSupport: entry.endOfStandardSupport,
    endOfExtendedSupport: entry.endOfExtendedSupport,
  };
  if (today > entry.endOfExtendedSupport)
    return {
      status: 'end-of-life',
      latestVersion: latest.version,
      ...dates,
      extendedSupportExtraMonthlyUsd: 0,
    };
  if (today > entry.endOfStandardSupport)
    return {
      status: 'extended-support',
      latestVersion: latest.version,
      ...dates,
      extendedSupportExtraMonthlyUsd:
        Math.round(
          (eksExtendedSupportHourlyPriceUsd - eksStandardSupportHourlyPriceUsd) * hoursPerMonth * 100,
        ) / 100,
    };
  return {
    status: entry === latest ? 'current' : 'upgrade-available',
    latestVersion: latest.version,
    ...dates,
    extendedSupportExtraMonthlyUsd: 0,
  };
}

import { DateTime } from 'luxon';

/**
 * A cluster's time zone: the hours of its activity heatmap, its idle windows and (later) its hibernation
 * schedules are in this zone. EKS has no time zone, so: a tag naming an IANA zone wins (teams whose
 * clusters serve another region's office tag them), else the zone of the AWS region's location, else UTC.
 * A hibernation schedule's own zone overrides both where one exists (functions/src/domain/discovery/snapshot.ts).
 */

/** Tags read, in this order; values must be IANA names (`Europe/Berlin`), anything else is ignored. */
export const timeZoneTagKeys = ['spot-optimizer.io/time-zone', 'timezone', 'TimeZone', 'time-zone'] as const;

/** The zone of each commercial AWS region's location (its city, or the country's main zone). */
export const regionTimeZones: Readonly<Record<string, string>> = {
  'us-east-1': 'America/New_York',
  'us-east-2': 'America/New_York',
  'us-west-1': 'America/Los_Angeles',
  'us-west-2': 'America/Los_Angeles',
  'ca-central-1': 'America/Toronto',
  'ca-west-1': 'America/Edmonton',
  'mx-central-1': 'America/Mexico_City',
  'sa-east-1': 'America/Sao_Paulo',
  'eu-west-1': 'Europe/Dublin',
  'eu-west-2': 'Europe/London',
  'eu-west-3': 'Europe/Paris',
  'eu-central-1': 'Europe/Berlin',
  'eu-central-2': 'Europe/Zurich',
  'eu-north-1': 'Europe/Stockholm',
  'eu-south-1': 'Europe/Rome',
  'eu-south-2': 'Europe/Madrid',
  'me-south-1': 'Asia/Bahrain',
  'me-central-1': 'Asia/Dubai',
  'il-central-1': 'Asia/Jerusalem',
  'af-south-1': 'Africa/Johannesburg',
  'ap-east-1': 'Asia/Hong_Kong',
  'ap-south-1': 'Asia/Kolkata',
  'ap-south-2': 'Asia/Kolkata',
  'ap-northeast-1': 'Asia/Tokyo',
  'ap-northeast-2': 'Asia/Seoul',
  'ap-northeast-3': 'Asia/Tokyo',
  'ap-southeast-1': 'Asia/Singapore',
  'ap-southeast-2': 'Australia/Sydney',
  'ap-southeast-3': 'Asia/Jakarta',
  'ap-southeast-4': 'Australia/Melbourne',
  'ap-southeast-5': 'Asia/Kuala_Lumpur',
  'ap-southeast-7': 'Asia/Bangkok',
  'us-gov-east-1': 'America/New_York',
  'us-gov-west-1': 'America/Los_Angeles',
  'cn-north-1': 'Asia/Shanghai',
  'cn-northwest-1': 'Asia/Shanghai',
};

const isIanaZone = (zone: string) =>
  zone.includes('/') && DateTime.now().setZone(zone).isValid && zone.length <= 64;

export function clusterTimeZone(region: string, tags: Readonly<Record<string, string>>): string {
  for (const key of timeZoneTagKeys) {
    const value = tags[key]?.trim();
    if (value && isIanaZone(value)) return value;
  }
  return regionTimeZones[region] ?? 'UTC';
}

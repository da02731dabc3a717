import { type HolidayPreviewInput, type HolidayPreviewResponse, ValidationError } from '@spot/shared';
import Holidays from 'date-holidays';

/**
 * National (and regional) public holidays from date-holidays, a maintained calendar of 200+ countries,
 * as ready-to-add "holiday" overrides. Only `public` holidays: bank holidays, observances and school
 * days would put clusters to sleep on working days.
 */
export function previewHolidays(input: HolidayPreviewInput): HolidayPreviewResponse {
  const calendar = new Holidays();
  const countries = calendar.getCountries('en');
  if (!countries[input.country]) {
    throw new ValidationError(
      `country: ${input.country} has no holiday calendar; use a two-letter ISO 3166-1 code such as US, DE or FR.`,
      { issues: [{ field: 'country', message: 'Unknown country code.' }] },
    );
  }
  if (input.region) {
    const regions = calendar.getStates(input.country, 'en') ?? {};
    if (!regions[input.region]) {
      const known = Object.keys(regions).slice(0, 20).join(', ');
      throw new ValidationError(
        `region: ${input.region} is not a region of ${input.country}${known ? `; known regions: ${known}` : ' (it has none: leave region out)'}.`,
        { issues: [{ field: 'region', message: 'Unknown region for this country.' }] },
      );
    }
  }
  calendar.init(input.country, input.region ?? '', { types: ['public'], languages: ['en'] });
  const byDate = new Map<string, string>();
  for (const h of calendar.getHolidays(input.year)) {
    // A date holds one override: two holidays on one day become one entry naming both.
    const date = h.date.slice(0, 10);
    byDate.set(date, byDate.has(date) ? `${byDate.get(date)} / ${h.name}` : h.name);
  }
  return {
    country: input.country,
    region: input.region ?? null,
    year: input.year,
    holidays: [...byDate.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, name]) => ({ date, kind: 'holiday' as const, label: name.slice(0, 100) })),
    source: 'date-holidays (public holidays)',
  };
}

import { describe, expect, it } from 'vitest';
import { formatDateTime } from './format.js';

describe('formatDateTime: one 24-hour format with the zone', () => {
  it('prints ISO order, 24-hour time and the zone', () => {
    expect(formatDateTime('2026-11-30T15:04:05Z', { timeZone: 'UTC' })).toBe('2026-11-30 15:04:05 UTC');
  });

  it('shows the local zone, not UTC, when a zone applies', () => {
    expect(formatDateTime('2026-11-30T23:30:00Z', { timeZone: 'Europe/Berlin' })).toBe('2026-12-01 00:30:00 GMT+1');
  });

  it('drops seconds on request and never prints "Invalid Date"', () => {
    expect(formatDateTime('2026-06-01T00:00:59Z', { timeZone: 'UTC', seconds: false })).toBe('2026-06-01 00:00 UTC');
    expect(formatDateTime('not a date')).toBe('—');
  });
});

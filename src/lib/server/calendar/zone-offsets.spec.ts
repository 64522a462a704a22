import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import {
	instantOfWallTime,
	localStamp,
	offsetSecondsAt,
	transitions,
	vtimezone,
	wallTimeAt
} from './zone-offsets';

/** Southern and northern daylight time, half- and quarter-hour offsets, none at all, negative DST. */
const ZONES = [
	'Europe/Berlin',
	'America/New_York',
	'Australia/Sydney',
	'Asia/Kolkata',
	'Pacific/Chatham',
	'America/St_Johns',
	'Asia/Tokyo',
	'Europe/Dublin',
	'UTC'
];

/** How ical.js, reading our VTIMEZONE, places a wall time given with TZID. */
function icalInstant(timeZone: string, local: string): number {
	const calendar = [
		'BEGIN:VCALENDAR',
		'VERSION:2.0',
		'PRODID:-//test//EN',
		...vtimezone(timeZone, 2025, 2028),
		'BEGIN:VEVENT',
		'UID:x',
		'DTSTAMP:20250101T000000Z',
		`DTSTART;TZID=${timeZone}:${local}`,
		'END:VEVENT',
		'END:VCALENDAR'
	].join('\r\n');
	const event = new ICAL.Component(ICAL.parse(calendar)).getFirstSubcomponent('vevent')!;
	const start = event.getFirstPropertyValue('dtstart') as ICAL.Time;
	expect(start.zone?.tzid).toBe(timeZone);
	return start.toUnixTime() * 1000;
}

/** Whether a clock in the zone shows the same time at another instant up to 3 hours away. */
const isRepeated = (zone: string, instant: number) =>
	Array.from({ length: 24 }, (_, i) => (i < 12 ? -1 : 1) * ((i % 12) + 1) * 15 * 60_000).some(
		(shift) =>
			localStamp(wallTimeAt(zone, instant + shift)) === localStamp(wallTimeAt(zone, instant))
	);

describe('zone offsets', () => {
	it('knows Berlin’s changes of 2026 to the second', () => {
		const found = transitions('Europe/Berlin', Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
		expect(found).toEqual([
			{ atMs: Date.UTC(2026, 2, 29, 1), fromSeconds: 3600, toSeconds: 7200 },
			{ atMs: Date.UTC(2026, 9, 25, 1), fromSeconds: 7200, toSeconds: 3600 }
		]);
	});

	it('reads a skipped wall time with the offset before the change, a repeated one as the first', () => {
		const berlin = (day: number, hour: number, minute: number) =>
			instantOfWallTime('Europe/Berlin', {
				year: 2026,
				month: day === 29 ? 3 : 10,
				day,
				hour,
				minute,
				second: 0
			});
		expect(new Date(berlin(29, 2, 30)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
		expect(new Date(berlin(25, 2, 30)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
		// RFC 5545 §3.3.5's own examples.
		const newYork = (month: number, day: number, hour: number) =>
			instantOfWallTime('America/New_York', {
				year: 2007,
				month,
				day,
				hour,
				minute: 30,
				second: 0
			});
		expect(new Date(newYork(3, 11, 2)).toISOString()).toBe('2007-03-11T07:30:00.000Z');
		expect(new Date(newYork(11, 4, 1)).toISOString()).toBe('2007-11-04T05:30:00.000Z');
	});

	it('gives every wall time back as the instant it came from, but the second of a repeated hour', () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...ZONES),
				fc.integer({ min: Date.UTC(2025, 0, 2), max: Date.UTC(2028, 11, 30) }),
				(zone, instant) => {
					const whole = Math.floor(instant / 1000) * 1000;
					const back = instantOfWallTime(zone, wallTimeAt(zone, whole));
					const repeated =
						offsetSecondsAt(zone, whole) < offsetSecondsAt(zone, whole - 3 * 3600_000);
					expect(back === whole || (repeated && back < whole)).toBe(true);
				}
			),
			{ numRuns: 2000 }
		);
	});

	// ical.js reads a repeated wall time as its second instant, RFC 5545 as its first: those
	// wall times are left out, as the feed's times are exact instants written in their zone.
	it('writes a VTIMEZONE that ical.js reads to the same instants, across every change', () => {
		for (const zone of ZONES) {
			const moments = transitions(zone, Date.UTC(2025, 0, 1), Date.UTC(2029, 0, 1)).flatMap(
				(change) => [
					change.atMs - 3600_000,
					change.atMs - 1000,
					change.atMs,
					change.atMs + 3600_000
				]
			);
			moments.push(Date.UTC(2025, 0, 1, 12), Date.UTC(2026, 6, 1, 12), Date.UTC(2028, 11, 31, 12));
			for (const moment of moments) {
				const wall = wallTimeAt(zone, moment);
				const expected = instantOfWallTime(zone, wall);
				if (isRepeated(zone, moment)) continue;
				expect([zone, localStamp(wall), icalInstant(zone, localStamp(wall))]).toEqual([
					zone,
					localStamp(wall),
					expected
				]);
			}
		}
	});

	it('starts each observance at the wall time of the offset before the change, as RFC 5545 writes it', () => {
		expect(vtimezone('Europe/Berlin', 2026, 2026).join('\n')).toContain(
			[
				'BEGIN:DAYLIGHT',
				'DTSTART:20260329T020000',
				'TZOFFSETFROM:+0100',
				'TZOFFSETTO:+0200',
				'END:DAYLIGHT',
				'BEGIN:STANDARD',
				'DTSTART:20261025T030000',
				'TZOFFSETFROM:+0200',
				'TZOFFSETTO:+0100'
			].join('\n')
		);
	});

	it('names each change DAYLIGHT or STANDARD by the offset it moves to', () => {
		const lines = vtimezone('Australia/Sydney', 2026, 2026);
		expect(lines.filter((line) => /^BEGIN:(DAYLIGHT|STANDARD)/.test(line))).toEqual([
			'BEGIN:DAYLIGHT',
			'BEGIN:STANDARD',
			'BEGIN:DAYLIGHT'
		]);
		expect(lines).toContain('TZOFFSETTO:+1100');
		expect(vtimezone('Asia/Kolkata', 2026, 2026)).toContain('TZOFFSETTO:+0530');
		expect(vtimezone('Pacific/Chatham', 2026, 2026)).toContain('TZOFFSETTO:+1345');
	});
});

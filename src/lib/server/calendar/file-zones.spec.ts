import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { MAX_YEAR } from '../../validation';
import { keepBoundedZones, MAX_ZONE_RULES } from './file-zones';

/** A zone as Outlook describes it: two yearly rules from 1601, under the name given. */
const outlookZone = (tzid: string, standardRule = 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10') => [
	'BEGIN:VTIMEZONE',
	`TZID:${tzid}`,
	'BEGIN:STANDARD',
	'DTSTART:16011028T030000',
	`RRULE:${standardRule}`,
	'TZOFFSETFROM:+0200',
	'TZOFFSETTO:+0100',
	'END:STANDARD',
	'BEGIN:DAYLIGHT',
	'DTSTART:16010325T020000',
	'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
	'TZOFFSETFROM:+0100',
	'TZOFFSETTO:+0200',
	'END:DAYLIGHT',
	'END:VTIMEZONE'
];

/** The file's root once its zones are bounded, and the start of an event in each zone, in order. */
function bounded(zones: string[][], date = '20270510') {
	const tzids = zones.map((zone) => zone[1]!.slice('TZID:'.length));
	const root = new ICAL.Component(
		ICAL.parse(
			[
				'BEGIN:VCALENDAR',
				'VERSION:2.0',
				...zones.flat(),
				...tzids.flatMap((tzid, i) => [
					'BEGIN:VEVENT',
					`UID:${i}`,
					`DTSTART;TZID=${tzid}:${date}T090000`,
					'END:VEVENT'
				]),
				'END:VCALENDAR'
			].join('\r\n')
		)
	);
	keepBoundedZones(root);
	const starts = root
		.getAllSubcomponents('vevent')
		.map((event) => event.getFirstPropertyValue('dtstart') as ICAL.Time);
	return { root, starts };
}

describe('zones a calendar file describes', () => {
	it('keeps a real zone, and reads its dates as the file says', () => {
		const { starts } = bounded([outlookZone('W. Europe Standard Time')]);
		expect(starts[0]!.zone?.tzid).toBe('W. Europe Standard Time');
		expect(new Date(starts[0]!.toUnixTime() * 1000).toISOString()).toBe('2027-05-10T07:00:00.000Z');
	});

	it('drops a zone with a rule that changes more than once a year', () => {
		for (const rule of ['FREQ=SECONDLY', 'FREQ=YEARLY;BYMONTH=1,4,7,10;BYDAY=1SU', 'FREQ=DAILY']) {
			const { starts } = bounded([outlookZone('Odd', rule), outlookZone('Real')]);
			expect(starts.map((start) => start.zone?.tzid)).toEqual(['floating', 'Real']);
		}
	});

	it('ends the changes ical.js lists after our last year, however late the date it reads', () => {
		const { starts } = bounded([outlookZone('W. Europe Standard Time')], '99991231');
		starts[0]!.toUnixTime();
		const zone = starts[0]!.zone as ICAL.Timezone;
		const years = new Set(zone.changes.map((change: { year: number }) => change.year));
		expect(Math.max(...years)).toBe(MAX_YEAR);
		expect(zone.changes.length).toBe(2 * (MAX_YEAR - 1601 + 1));
	});

	it('keeps only as many zones as the file’s budget of rules holds', () => {
		const zones = Array.from({ length: MAX_ZONE_RULES }, (_, i) => outlookZone(`Zone ${i}`));
		const { root, starts } = bounded(zones);
		expect(root.getAllSubcomponents('vtimezone')).toHaveLength(MAX_ZONE_RULES / 2);
		expect(starts.at(MAX_ZONE_RULES / 2 - 1)!.zone?.tzid).toBe(`Zone ${MAX_ZONE_RULES / 2 - 1}`);
		expect(starts.at(MAX_ZONE_RULES / 2)!.zone?.tzid).toBe('floating');
	});
});

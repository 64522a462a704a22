import ICAL from 'ical.js';
import { MAX_YEAR } from '../../validation';

/** Changes of a zone's rule looked at to see that it changes at most once a year. */
const ZONE_RULE_PROBE = 30;
/** Rules of all the file's zones together: a zone has two, and a file describes a few zones. */
export const MAX_ZONE_RULES = 50;

/** Whether the rule's first changes each fall in a later year than the one before. */
function changesYearly(rule: ICAL.Recur, start: ICAL.Time): boolean {
	const changes = rule.iterator(start);
	let previousYear = -Infinity;
	for (let i = 0; i < ZONE_RULE_PROBE; i++) {
		const change = changes.next();
		if (!change) return true;
		if (change.year <= previousYear) return false;
		previousYear = change.year;
	}
	return true;
}

/**
 * ical.js finds a described zone's offsets by listing every change of its rules, from their start
 * to five years past the date it reads, and keeps the list: a rule that changes every second, or a
 * thousand zones read in the year 9999, would take the server's memory and time. A zone is kept
 * only while its rules are yearly and change at most once a year, as real zones' do, and all its
 * rules fit in the file's budget; their changes end after our last year. The file's dates in a zone
 * it loses are read as if the file did not describe it: with our zone data when we know the name.
 */
export function keepBoundedZones(root: ICAL.Component): void {
	let rulesLeft = MAX_ZONE_RULES;
	const lastChange = ICAL.Time.fromData({ year: MAX_YEAR + 1, month: 1, day: 1 });
	for (const zone of root.getAllSubcomponents('vtimezone')) {
		let bounded: boolean;
		try {
			const rules = zone.getAllSubcomponents().flatMap((observance) => {
				const rule = observance.getFirstPropertyValue('rrule');
				const start = observance.getFirstPropertyValue('dtstart');
				return rule instanceof ICAL.Recur && start instanceof ICAL.Time ? [{ rule, start }] : [];
			});
			rulesLeft -= rules.length;
			for (const { rule } of rules) {
				if (!rule.until || rule.until.year > MAX_YEAR) rule.until = lastChange.clone();
			}
			bounded =
				rulesLeft >= 0 &&
				rules.every(({ rule, start }) => rule.freq === 'YEARLY' && changesYearly(rule, start));
		} catch {
			bounded = false;
		}
		if (!bounded) root.removeSubcomponent(zone);
	}
}

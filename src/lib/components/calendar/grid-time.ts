/** Calendar arithmetic on local dates ("2026-12-07"), done in UTC so no zone shifts a day. */

export const VIEWS = ['day', 'week', 'month'] as const;
export type View = (typeof VIEWS)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

export function addDays(date: string, days: number): string {
	return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Weeks run Monday to Sunday. */
export function mondayOf(date: string): string {
	const day = new Date(`${date}T00:00:00Z`);
	return addDays(date, -((day.getUTCDay() + 6) % 7));
}

/** The first day of the month `months` away from the date's month. */
export function monthStart(date: string, months = 0): string {
	const day = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
	day.setUTCMonth(day.getUTCMonth() + months);
	return day.toISOString().slice(0, 10);
}

/** The days a view shows: one, a week from Monday, or the whole weeks around a month. */
export function viewSpan(view: View, date: string): { from: string; days: number } {
	if (view === 'day') return { from: date, days: 1 };
	if (view === 'week') return { from: mondayOf(date), days: 7 };
	const first = monthStart(date);
	const from = mondayOf(first);
	const last = addDays(monthStart(date, 1), -1);
	const days = (Date.parse(last) - Date.parse(from)) / DAY_MS + 1;
	return { from, days: Math.ceil(days / 7) * 7 };
}

/** The date the previous (-1) or next (+1) period of the view starts on. */
export function stepPeriod(view: View, date: string, step: -1 | 1): string {
	if (view === 'day') return addDays(date, step);
	if (view === 'week') return addDays(mondayOf(date), 7 * step);
	return monthStart(date, step);
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

/** The local date and minutes after local midnight of an instant in a zone. */
export function localPlace(instant: Date, timeZone: string): { date: string; minutes: number } {
	let format = partFormats.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-CA', {
			timeZone,
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23'
		});
		partFormats.set(timeZone, format);
	}
	const parts = Object.fromEntries(format.formatToParts(instant).map((p) => [p.type, p.value]));
	return {
		date: `${parts.year}-${parts.month}-${parts.day}`,
		minutes: Number(parts.hour) * 60 + Number(parts.minute)
	};
}

/** "09:30" from minutes after midnight. */
export function clockOf(minutes: number): string {
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

export type Placed = { key: string; start: number; end: number };

/**
 * Side-by-side lanes for items of one day that overlap: each item gets a lane and the number of
 * lanes of the group of overlapping items it belongs to, so its width is 1/lanes.
 */
export function lanes<T extends Placed>(items: T[]): (T & { lane: number; lanes: number })[] {
	const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end);
	const out: (T & { lane: number; lanes: number })[] = [];
	let group: (T & { lane: number; lanes: number })[] = [];
	let groupEnd = -1;
	const close = () => {
		const width = Math.max(0, ...group.map((item) => item.lane + 1));
		for (const item of group) item.lanes = width;
		out.push(...group);
		group = [];
	};
	for (const item of sorted) {
		if (item.start >= groupEnd && group.length) close();
		const taken = new Set(group.filter((g) => g.end > item.start).map((g) => g.lane));
		let lane = 0;
		while (taken.has(lane)) lane += 1;
		group.push({ ...item, lane, lanes: 1 });
		groupEnd = Math.max(groupEnd, item.end);
	}
	if (group.length) close();
	return out;
}

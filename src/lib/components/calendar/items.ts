import type { SessionStatus } from '$lib/server/db/schema';

/** What the calendar shows of a one-to-one session or a group date, whichever it is. */
export type CalendarItem = {
	key: string;
	kind: 'session' | 'group';
	id: string;
	href: string;
	title: string;
	/** "7/12" places taken for a group date; the status for a session that is not planned. */
	detail: string;
	startsAt: Date;
	endsAt: Date;
	cancelled: boolean;
	/** A one-to-one still to come: it can be dragged to another slot. */
	movable: boolean;
};

type SessionRow = {
	id: string;
	clientName: string;
	startsAt: Date;
	endsAt: Date;
	status: SessionStatus;
	begun: boolean;
};
type GroupRow = {
	id: string;
	seriesId: string;
	title: string;
	startsAt: Date;
	endsAt: Date;
	status: string;
	placesTaken: number;
	capacity: number;
};

const statusNotes: Partial<Record<SessionStatus, string>> = {
	completed: 'Completed',
	cancelled: 'Cancelled',
	late_cancelled: 'Late cancellation',
	no_show: 'No-show'
};

/** Sessions and group dates as one list in time order. */
export function calendarItems(
	data: { sessions: SessionRow[]; seriesDates: GroupRow[] },
	now: Date
): CalendarItem[] {
	const sessions = data.sessions.map((session): CalendarItem => ({
		key: `session:${session.id}`,
		kind: 'session',
		id: session.id,
		href: `/sessions/${session.id}`,
		title: session.clientName,
		detail: statusNotes[session.status] ?? '',
		startsAt: session.startsAt,
		endsAt: session.endsAt,
		cancelled: session.status === 'cancelled' || session.status === 'late_cancelled',
		movable: session.status === 'scheduled' && !session.begun && session.startsAt > now
	}));
	const groups = data.seriesDates.map((date): CalendarItem => ({
		key: `group:${date.id}`,
		kind: 'group',
		id: date.id,
		href: `/series/${date.seriesId}`,
		title: date.title,
		detail: date.status === 'cancelled' ? 'Cancelled' : `${date.placesTaken}/${date.capacity}`,
		startsAt: date.startsAt,
		endsAt: date.endsAt,
		cancelled: date.status === 'cancelled',
		movable: false
	}));
	return [...sessions, ...groups].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
}

/** The classes of an item's block: sessions in the accent, group dates in the series colour. */
export function itemClasses(item: CalendarItem): string {
	if (item.cancelled) return 'border-line-strong bg-subtle text-muted line-through';
	return item.kind === 'group'
		? 'border-series bg-series-soft text-series-strong'
		: 'border-accent bg-accent-soft text-ink';
}

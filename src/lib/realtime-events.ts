import type { Clock } from './format';

/** Events the server pushes to open browsers. Payloads carry only what the receiver may see. */
export interface ServerToClientEvents {
	/** This browser's sign-in was ended elsewhere: go to the sign-in page. */
	'auth:revoked': () => void;
	'profile:updated': (profile: {
		name: string;
		timeZone: string;
		locale: string;
		clock: Clock;
	}) => void;
	/** Events may have been missed (the link between app instances was down): load again. */
	'live:resync': () => void;
	/** The colour scheme chosen in Settings: other open tabs and devices take it at once. */
	'appearance:updated': (appearance: { colorScheme: 'system' | 'light' | 'dark' }) => void;
	/**
	 * Clients, sessions, notes, series, subscribers, the connected Stripe account or Zoom's health
	 * changed: pages showing them refetch. Ids only, never contents.
	 */
	'practice:changed': (change: PracticeChange) => void;
}

export type PracticeChange = {
	entity: 'client' | 'session' | 'note' | 'series' | 'subscriber' | 'payments' | 'zoom';
	ids: string[];
};

/** The public namespace: anyone may listen, and it carries counts only, never who signed up. */
export interface PublicServerToClientEvents {
	'series:spots': (update: { seriesId: string; spotsLeft: number }) => void;
}
export interface PublicClientToServerEvents {
	/** Answered once taken (or refused), when the sender asks for an answer; pages do not. */
	'series:watch': (seriesId: string, taken?: () => void) => void;
}
const PUBLIC_SERIES = 'public-series:';
export const publicSeriesRoom = (seriesId: string) => `${PUBLIC_SERIES}${seriesId}`;
/** The series a room of the public namespace is about, or null for a socket's own room. */
export const seriesOfPublicRoom = (room: string) =>
	room.startsWith(PUBLIC_SERIES) ? room.slice(PUBLIC_SERIES.length) : null;

/** Browsers only listen; everything they change goes through tRPC. */
export type ClientToServerEvents = Record<string, never>;

export const userRoom = (userId: string) => `user:${userId}`;
export const authSessionRoom = (sessionId: string) => `auth-session:${sessionId}`;

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
	'series:watch': (seriesId: string) => void;
}
export const publicSeriesRoom = (seriesId: string) => `public-series:${seriesId}`;

/** Browsers only listen; everything they change goes through tRPC. */
export type ClientToServerEvents = Record<string, never>;

export const userRoom = (userId: string) => `user:${userId}`;
export const authSessionRoom = (sessionId: string) => `auth-session:${sessionId}`;

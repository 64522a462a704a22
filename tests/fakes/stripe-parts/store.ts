/** What the fake keeps: objects per account, and the events that tell of their changes. */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { StripeApiError } from './form';
import {
	emptyObjects,
	type FakeEvent,
	type FakeObjects,
	type FakeSubscription,
	type Interval,
	type SessionPlan
} from './types';

export const API_VERSION = Stripe.API_VERSION;
/** The scope of the platform's own objects (no Stripe-Account header). */
export const PLATFORM = '';

export type Kind = keyof FakeObjects;
export type ObjectOf<K extends Kind> = FakeObjects[K] extends Map<string, infer T> ? T : never;
/** The API request an event came from, as Stripe records it on the event. */
export type EventRequest = { id: string | null; idempotency_key: string | null };

export const now = (): number => Math.floor(Date.now() / 1000);

export function randomId(prefix: string): string {
	const text = randomBytes(18).toString('base64').replace(/[+/=]/g, '');
	return `${prefix}_1${text.slice(0, 23)}`;
}

export function missing(label: string, id: string, param = 'id'): StripeApiError {
	return new StripeApiError(
		404,
		'invalid_request_error',
		`No such ${label}: '${id}'`,
		'resource_missing',
		param
	);
}

export function firstItem(sub: FakeSubscription): FakeSubscription['items']['data'][number] {
	const item = sub.items.data[0];
	if (!item) throw new Error(`fake stripe: ${sub.id} has no items`);
	return item;
}

export function addInterval(from: number, interval: Interval, count: number): number {
	const date = new Date(from * 1000);
	if (interval === 'day') date.setUTCDate(date.getUTCDate() + count);
	if (interval === 'week') date.setUTCDate(date.getUTCDate() + 7 * count);
	if (interval === 'month') date.setUTCMonth(date.getUTCMonth() + count);
	if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + count);
	return Math.floor(date.getTime() / 1000);
}

export class Store {
	/** Origin of the fake's server, for the URLs of hosted pages. */
	origin = '';
	readonly scopes = new Map<string, FakeObjects>();
	/** What each checkout session will subscribe to once paid. */
	readonly plans = new Map<string, SessionPlan>();
	readonly accountLinks = new Map<
		string,
		{ account: string; refreshUrl: string; returnUrl: string; expiresAt: number }
	>();
	readonly portalSessions = new Map<
		string,
		{ scope: string; customer: string; returnUrl: string }
	>();
	/** Accounts that disconnected the platform: their Stripe-Account header is refused. */
	readonly revoked = new Set<string>();
	/** Subscriptions whose next renewal fails. */
	readonly failingRenewals = new Set<string>();
	readonly events: FakeEvent[] = [];

	objects(scope: string | null | undefined): FakeObjects {
		const key = scope ?? PLATFORM;
		let found = this.scopes.get(key);
		if (!found) {
			found = emptyObjects();
			this.scopes.set(key, found);
		}
		return found;
	}

	get<K extends Kind>(
		scope: string,
		kind: K,
		id: string,
		label: string,
		param = 'id'
	): ObjectOf<K> {
		const found = this.objects(scope)[kind].get(id);
		if (!found) throw missing(label, id, param);
		return found as ObjectOf<K>;
	}

	/** Finds an object in whichever account holds it (for hosted pages and test controls). */
	locate<K extends Kind>(
		kind: K,
		id: string,
		label: string
	): { scope: string; object: ObjectOf<K> } {
		for (const [scope, all] of this.scopes) {
			const found = all[kind].get(id);
			if (found) return { scope, object: found as ObjectOf<K> };
		}
		throw missing(label, id);
	}

	/** Any object of the scope (or a connected account) by id, for `expand`. */
	find(scope: string, id: string): object | undefined {
		return [...Object.values(this.objects(scope)), this.objects(PLATFORM).accounts]
			.map((all: Map<string, object>) => all.get(id))
			.find((o) => o !== undefined);
	}

	/** Records an event with a snapshot of the object as it is now. */
	emit(
		scope: string,
		type: string,
		object: object,
		request: EventRequest = { id: null, idempotency_key: null },
		previous?: Record<string, unknown>
	): FakeEvent {
		const event: FakeEvent = {
			id: randomId('evt'),
			object: 'event',
			api_version: API_VERSION,
			created: now(),
			type,
			...(scope !== PLATFORM ? { account: scope } : {}),
			data: {
				object: structuredClone(object),
				...(previous ? { previous_attributes: previous } : {})
			},
			livemode: false,
			pending_webhooks: 1,
			request
		};
		this.objects(scope).events.set(event.id, event);
		this.events.push(event);
		return event;
	}
}

/** Webhook delivery: signed like Stripe's, immediate (in order, retried) or held for the test. */
import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import type { FakeEvent } from './types';

export type DeliveryMode = 'immediate' | 'held';

export type Delivery = {
	eventId: string;
	type: string;
	account: string | null;
	attempt: number;
	/** The target's HTTP status, 0 when it could not be reached. */
	status: number;
};

export type DeliverHeldOptions = { times?: number; shuffle?: boolean; concurrency?: number };

/** mulberry32: small, seedable, good enough to shuffle deliveries reproducibly. */
function prng(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export class Webhooks {
	target: string | null;
	mode: DeliveryMode;
	readonly deliveries: Delivery[] = [];
	private held: FakeEvent[] = [];
	/** Immediate deliveries, one after another in emission order. */
	private chain: Promise<void> = Promise.resolve();
	private readonly random: () => number;
	private readonly retries: number;
	private readonly retryDelayMs: number;

	constructor(
		private readonly secret: string,
		options: {
			target: string | null;
			mode: DeliveryMode;
			seed: number;
			retries: number;
			retryDelayMs: number;
		}
	) {
		this.target = options.target;
		this.mode = options.mode;
		this.random = prng(options.seed);
		this.retries = options.retries;
		this.retryDelayMs = options.retryDelayMs;
	}

	heldEvents(): FakeEvent[] {
		return [...this.held];
	}

	/** Delivers (immediate) or keeps (held) the events; resolves once they are delivered. */
	dispatch(events: FakeEvent[]): Promise<void> {
		if (this.mode === 'held') {
			this.held.push(...events);
			return Promise.resolve();
		}
		for (const event of events) this.chain = this.chain.then(() => this.deliverWithRetries(event));
		return this.chain;
	}

	async idle(): Promise<void> {
		let seen: Promise<void> | null = null;
		while (seen !== this.chain) {
			seen = this.chain;
			await seen;
		}
	}

	async deliverHeld({ times = 1, shuffle = false, concurrency = 1 }: DeliverHeldOptions = {}) {
		if (!this.target) throw new Error('fake stripe: no webhook target set');
		const copies = this.held.flatMap((event) => Array.from({ length: times }, () => event));
		this.held = [];
		const list = shuffle
			? copies
					.map((event) => ({ event, key: this.random() }))
					.sort((a, b) => a.key - b.key)
					.map(({ event }) => event)
			: copies;
		const made: Delivery[] = [];
		let next = 0;
		const worker = async (): Promise<void> => {
			for (let event = list[next++]; event; event = list[next++]) {
				made.push(await this.deliverOnce(event));
			}
		};
		await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
		return made;
	}

	private async deliverWithRetries(event: FakeEvent): Promise<void> {
		if (!this.target) return;
		for (let attempt = 0; attempt <= this.retries; attempt++) {
			const { status } = await this.deliverOnce(event);
			if (status >= 200 && status < 300) return;
			if (attempt < this.retries) await sleep(this.retryDelayMs * (attempt + 1));
		}
	}

	/** One POST, signed at sending time as Stripe signs each attempt. */
	private async deliverOnce(event: FakeEvent): Promise<Delivery> {
		const attempt = this.deliveries.filter((d) => d.eventId === event.id).length + 1;
		let status = 0;
		if (this.target) {
			const payload = JSON.stringify(event, null, 2);
			const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: this.secret });
			try {
				const response = await fetch(this.target, {
					method: 'POST',
					headers: {
						'content-type': 'application/json; charset=utf-8',
						'stripe-signature': signature,
						'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'
					},
					body: payload,
					redirect: 'manual',
					signal: AbortSignal.timeout(15_000)
				});
				await response.arrayBuffer();
				status = response.status;
			} catch {
				status = 0;
			}
		}
		const delivery: Delivery = {
			eventId: event.id,
			type: event.type,
			account: event.account ?? null,
			attempt,
			status
		};
		this.deliveries.push(delivery);
		return delivery;
	}
}

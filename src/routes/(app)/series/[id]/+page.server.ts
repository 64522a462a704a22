import { fail, redirect } from '@sveltejs/kit';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { attemptButton, confirmed, formFields } from '$lib/server/forms';
import { renderNote } from '$lib/server/notes/markdown';
import { moveOccurrenceSchema } from '$lib/server/series/schemas';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const caller = serverCaller(event);
	const q = event.url.searchParams.get('q') ?? '';
	const [detail, subscribers] = await Promise.all([
		caller.series.get({ id: event.params.id }),
		caller.subscribers.list({ seriesId: event.params.id, q: q.slice(0, 100) })
	]);
	return { ...detail, descriptionHtml: renderNote(detail.series.description), subscribers, q };
};

const status = z.object({ status: z.enum(['draft', 'published', 'archived']) });
const occurrence = z.object({ occurrenceId: z.uuid() });
const subscriber = z.object({ subscriberId: z.uuid() });

async function fields<T extends z.ZodType>(request: Request, schema: T) {
	return schema.safeParse(await formFields(request));
}

/** Form data for an action that asks first: the parsed fields, and whether this is the answer. */
async function confirmable<T extends z.ZodType>(request: Request, schema: T) {
	const data = await formFields(request);
	return { input: schema.safeParse(data), confirmed: confirmed(data) };
}

export const actions: Actions = {
	status: async (event) => {
		const input = await fields(event.request, status);
		if (!input.success) return fail(400, { problem: 'Choose a status.' });
		return attemptButton(() =>
			serverCaller(event).series.setStatus({ id: event.params.id, ...input.data })
		);
	},
	cancelOccurrence: async (event) => {
		const { input, confirmed } = await confirmable(event.request, occurrence);
		if (!input.success) return fail(400, { problem: 'Choose a date.' });
		if (!confirmed) return { confirm: { action: 'cancelOccurrence' as const, ...input.data } };
		return attemptButton(() => serverCaller(event).series.cancelOccurrence(input.data));
	},
	restoreOccurrence: async (event) => {
		const { input, confirmed } = await confirmable(event.request, occurrence);
		if (!input.success) return fail(400, { problem: 'Choose a date.' });
		if (!confirmed) return { confirm: { action: 'restoreOccurrence' as const, ...input.data } };
		return attemptButton(() => serverCaller(event).series.restoreOccurrence(input.data));
	},
	moveOccurrence: async (event) => {
		const input = await fields(event.request, moveOccurrenceSchema);
		if (!input.success) return fail(400, { problem: 'Choose the new date and time.' });
		return attemptButton(() => serverCaller(event).series.moveOccurrence(input.data));
	},
	removeSubscriber: async (event) => {
		const { input, confirmed } = await confirmable(event.request, subscriber);
		if (!input.success) return fail(400, { problem: 'Choose a subscriber.' });
		if (!confirmed) return { confirm: { action: 'removeSubscriber' as const, ...input.data } };
		return attemptButton(() =>
			serverCaller(event).subscribers.remove({ id: input.data.subscriberId })
		);
	},
	cancelSubscription: async (event) => {
		const { input, confirmed } = await confirmable(event.request, subscriber);
		if (!input.success) return fail(400, { problem: 'Choose a subscriber.' });
		if (!confirmed) return { confirm: { action: 'cancelSubscription' as const, ...input.data } };
		try {
			const payment = await serverCaller(event).subscribers.cancelSubscription({
				id: input.data.subscriberId
			});
			// Stripe's answer, shown before its webhook brings it to the list.
			return { ended: { subscriberId: input.data.subscriberId, payment } };
		} catch (error) {
			if (!(error instanceof TRPCError)) throw error;
			return fail(getHTTPStatusCodeFromError(error), { problem: error.message });
		}
	},
	delete: async (event) => {
		const caller = serverCaller(event);
		if (!confirmed(await formFields(event.request))) {
			// Asks only about a series that is there to delete (and sends the signed-out to sign in).
			await caller.series.get({ id: event.params.id });
			return { confirm: { action: 'delete' as const } };
		}
		await caller.series.delete({ id: event.params.id });
		redirect(303, '/series');
	}
};

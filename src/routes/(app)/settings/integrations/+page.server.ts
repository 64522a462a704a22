import type { Actions, PageServerLoad } from './$types';
import { PRACTICE } from '$lib/dependencies';
import { attemptButton, confirmed, formFields } from '$lib/server/forms';
import { serverCaller } from '$lib/server/trpc/router';

export const load: PageServerLoad = async (event) => {
	event.depends(PRACTICE);
	const caller = serverCaller(event);
	const status = await caller.zoom.status();
	const working =
		status.connection &&
		!status.connection.unreadable &&
		status.connection.problem !== 'refresh_refused';
	return {
		status,
		// Asked of Zoom for this page only, never stored; null when Zoom could not tell. Streamed:
		// the page does not wait for Zoom.
		account: working ? caller.zoom.account() : null,
		// Set by the callback: how connecting went, and the reference of a failure it logged.
		outcome: event.url.searchParams.get('zoom'),
		reference: /^[0-9a-f]{8}$/.exec(event.url.searchParams.get('ref') ?? '')?.[0] ?? null
	};
};

export const actions = {
	disconnect: async (event) => {
		if (!confirmed(await formFields(event.request))) {
			return { confirm: { action: 'disconnect' as const } };
		}
		let revoked = false;
		const refused = await attemptButton(async () => {
			({ revoked } = await serverCaller(event).zoom.disconnect());
		});
		return refused ?? { disconnected: true, revoked };
	}
} satisfies Actions;

import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import { attempt, reject } from '$lib/server/forms';
import { publicPictureSchema } from '$lib/server/account/schemas';
import { practiceDetailsSchema } from '$lib/server/practice/schemas';
import { serverCaller } from '$lib/server/trpc/router';

const details = zod4(practiceDetailsSchema);
const picture = zod4(publicPictureSchema);

export const load: PageServerLoad = async (event) => {
	const caller = serverCaller(event);
	const [practice, publicPicture] = await Promise.all([
		caller.practice.details(),
		caller.account.publicPicture()
	]);
	return {
		form: await superValidate(practice, details),
		hasPicture: publicPicture.hasPicture,
		pictureForm: await superValidate(
			{ pictureOnPublicPages: publicPicture.pictureOnPublicPages },
			picture,
			{ id: 'picture' }
		)
	};
};

export const actions: Actions = {
	picture: async (event) => {
		const form = await superValidate(event.request, picture, { id: 'picture' });
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).account.setPublicPicture(form.data)
		);
		if (!result.ok) return result.failure;
		form.data = { pictureOnPublicPages: result.value.pictureOnPublicPages };
		form.message = {
			kind: 'success',
			text: result.value.pictureOnPublicPages
				? 'Saved: your signup pages show your picture.'
				: 'Saved: your signup pages show no picture.'
		};
		return { form };
	},
	details: async (event) => {
		const form = await superValidate(event.request, details);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).practice.saveDetails(form.data));
		if (!result.ok) return result.failure;
		form.data = result.value;
		form.message = { kind: 'success', text: 'Saved.' };
		return { form };
	}
};

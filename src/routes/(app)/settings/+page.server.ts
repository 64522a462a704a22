import { error, redirect } from '@sveltejs/kit';
import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import type { Actions, PageServerLoad } from './$types';
import {
	addPasswordSchema,
	appearanceSchema,
	changePasswordSchema,
	profileSchema,
	requestEmailChangeSchema
} from '$lib/server/account/schemas';
import { googleConfigured } from '$lib/server/auth/google';
import { leaveForGoogle } from '$lib/server/auth/google-cookies';
import { getDb } from '$lib/server/db';
import { attempt, attemptButton, confirmed, formFields, reject } from '$lib/server/forms';
import { timeZoneChoices } from '$lib/server/time-zones';
import { serverCaller } from '$lib/server/trpc/router';
import { googleNotice } from '$lib/google-notices';

/**
 * Whether this post is the confirming answer (ConfirmDialog sends it). The first post only asks,
 * and only someone signed in (the signed-out are sent to sign in).
 */
async function confirmedOrAsked(event: Parameters<Actions[string]>[0]): Promise<boolean> {
	if (confirmed(await formFields(event.request))) return true;
	await serverCaller(event).account.me();
	return false;
}

const profile = zod4(profileSchema);
const password = zod4(changePasswordSchema);
const emailChange = zod4(requestEmailChangeSchema);
const firstPassword = zod4(addPasswordSchema);
const appearance = zod4(appearanceSchema);

export const load: PageServerLoad = async (event) => {
	const caller = serverCaller(event);
	const [me, authSessions, securityLog, google] = await Promise.all([
		caller.account.me(),
		caller.account.authSessions(),
		caller.account.securityLog(),
		caller.account.google()
	]);
	return {
		profileForm: await superValidate(
			{
				name: me.name,
				timeZone: me.timeZone,
				currency: me.currency,
				locale: me.locale,
				clock: me.clock
			},
			profile
		),
		appearanceForm: await superValidate(
			{ colorScheme: event.locals.user!.colorScheme },
			appearance
		),
		passwordForm: await superValidate(password),
		addPasswordForm: await superValidate(firstPassword),
		google,
		googleNotice: googleNotice(event.url.searchParams.get('google')),
		email: me.email,
		emailForm: await superValidate(emailChange),
		authSessions,
		securityLog,
		timeZones: timeZoneChoices(me.timeZone),
		currencies: Intl.supportedValuesOf('currency')
	};
};

export const actions: Actions = {
	profile: async (event) => {
		const form = await superValidate(event.request, profile);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.updateProfile(form.data));
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Saved.' };
		return { form };
	},
	/** Light, dark, or as on the device: every page renders it from the next one on (and this one at once). */
	appearance: async (event) => {
		const form = await superValidate(event.request, appearance);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.setAppearance(form.data));
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Saved.' };
		return { form };
	},
	password: async (event) => {
		const form = await superValidate(event.request, password);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.changePassword(form.data));
		if (!result.ok) return result.failure;
		const others = result.value.ended;
		form.message = {
			kind: 'success',
			text: `Password changed.${others ? ` ${others} other sign-in${others === 1 ? '' : 's'} ended.` : ''}`
		};
		form.data = { currentPassword: '', newPassword: '' };
		return { form };
	},
	addPassword: async (event) => {
		const form = await superValidate(event.request, firstPassword);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () => serverCaller(event).account.addPassword(form.data));
		if (!result.ok) return result.failure;
		form.message = { kind: 'success', text: 'Password added: you can sign in with it too.' };
		form.data = { newPassword: '' };
		return { form };
	},
	/** A form, not a link: another site cannot start linking a Google account of its choosing. */
	linkGoogle: async (event) => {
		if (!googleConfigured()) error(404, 'Not found');
		const user = event.locals.user;
		if (!user) redirect(303, '/sign-in');
		return leaveForGoogle(
			getDb(),
			event,
			{ linkTo: user.id, redirectTo: '/settings' },
			'/settings'
		);
	},
	unlinkGoogle: async (event) => {
		if (!(await confirmedOrAsked(event))) return { confirm: { action: 'unlinkGoogle' as const } };
		const refused = await attemptButton(() => serverCaller(event).account.unlinkGoogle());
		return refused ?? { googleUnlinked: true };
	},
	email: async (event) => {
		const form = await superValidate(event.request, emailChange);
		if (!form.valid) return reject(form);
		const result = await attempt(form, () =>
			serverCaller(event).account.requestEmailChange(form.data)
		);
		if (!result.ok) return result.failure;
		form.message = {
			kind: 'success',
			text: `We sent a link to ${result.value.email}. Your email changes when you follow it (within 24 hours).`
		};
		form.data = { newEmail: '', password: '' };
		return { form };
	},
	signOutOthers: async (event) => {
		if (!(await confirmedOrAsked(event))) return { confirm: { action: 'signOutOthers' as const } };
		const { ended } = await serverCaller(event).account.signOutOthers();
		return { signedOutOthers: ended };
	}
};

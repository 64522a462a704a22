import { publishToUser } from '../realtime/publish';
import { authedProcedure, publicProcedure, router } from '../trpc/init';
import {
	addPasswordSchema,
	changePasswordSchema,
	emailLinkSchema,
	profileSchema,
	appearanceSchema,
	minutesOfDay,
	workingHoursSchema,
	publicPictureSchema,
	requestEmailChangeSchema,
	requestResetSchema,
	resetPasswordSchema,
	googleSignUpSchema,
	signInLinkingSchema,
	signUpSchema
} from './schemas';
import * as google from './google';
import { publicPictureSetting } from './picture';
import { listSecurityEvents } from './security-log';
import * as account from './service';

export const accountRouter = router({
	me: authedProcedure.query(({ ctx }) => ctx.user),

	signUp: publicProcedure.input(signUpSchema).mutation(async ({ ctx, input }) => {
		await account.signUp(ctx.db, input, ctx.client, ctx.origin);
		return { email: input.email };
	}),

	verifyEmail: publicProcedure.input(emailLinkSchema).mutation(async ({ ctx, input }) => {
		const session = await account.verifyEmail(ctx.db, input.token, ctx.client);
		ctx.authCookie.set(session.token, session.expiresAt);
	}),

	resendVerification: authedProcedure.mutation(({ ctx }) =>
		account.resendVerification(ctx.db, ctx.user.id, ctx.origin)
	),

	signIn: publicProcedure.input(signInLinkingSchema).mutation(async ({ ctx, input }) => {
		const session = await account.signIn(ctx.db, input, ctx.client);
		ctx.authCookie.set(session.token, session.expiresAt);
		return { googleLinked: session.googleLinked };
	}),

	googleSignUp: publicProcedure.input(googleSignUpSchema).mutation(async ({ ctx, input }) => {
		const session = await google.signUpWithGoogle(ctx.db, input, ctx.client);
		ctx.authCookie.set(session.token, session.expiresAt);
	}),

	google: authedProcedure.query(({ ctx }) => google.googleStatus(ctx.db, ctx.user.id)),

	unlinkGoogle: authedProcedure.mutation(({ ctx }) =>
		google.unlinkGoogle(ctx.db, ctx.user.id, ctx.client, ctx.origin)
	),

	addPassword: authedProcedure
		.input(addPasswordSchema)
		.mutation(({ ctx, input }) =>
			google.addPassword(ctx.db, ctx.user.id, input, ctx.client, ctx.origin)
		),

	signOut: authedProcedure.mutation(async ({ ctx }) => {
		await account.signOut(ctx.db, ctx.user.id, ctx.authSession.id, ctx.client);
		ctx.authCookie.clear();
	}),

	signOutOthers: authedProcedure.mutation(async ({ ctx }) => {
		const ended = await account.signOutOthers(ctx.db, ctx.user.id, ctx.authSession.id, ctx.client);
		return { ended: ended.length };
	}),

	requestPasswordReset: publicProcedure
		.input(requestResetSchema)
		.mutation(async ({ ctx, input }) => {
			await account.requestPasswordReset(ctx.db, input, ctx.client, ctx.origin);
		}),

	resetPassword: publicProcedure.input(resetPasswordSchema).mutation(async ({ ctx, input }) => {
		const session = await account.resetPassword(ctx.db, input, ctx.client, ctx.origin);
		ctx.authCookie.set(session.token, session.expiresAt);
	}),

	changePassword: authedProcedure.input(changePasswordSchema).mutation(async ({ ctx, input }) => {
		const ended = await account.changePassword(
			ctx.db,
			ctx.user.id,
			ctx.authSession.id,
			input,
			ctx.client,
			ctx.origin
		);
		return { ended: ended.length };
	}),

	requestEmailChange: authedProcedure
		.input(requestEmailChangeSchema)
		.mutation(async ({ ctx, input }) => {
			await account.requestEmailChange(ctx.db, ctx.user.id, input, ctx.client, ctx.origin);
			return { email: input.newEmail };
		}),

	confirmEmailChange: publicProcedure
		.input(emailLinkSchema)
		.mutation(({ ctx, input }) => account.confirmEmailChange(ctx.db, input.token, ctx.client)),

	updateProfile: authedProcedure.input(profileSchema).mutation(async ({ ctx, input }) => {
		const profile = await account.updateProfile(ctx.db, ctx.user.id, input);
		publishToUser(ctx.user.id, 'profile:updated', {
			name: profile.name,
			timeZone: profile.timeZone,
			locale: profile.locale,
			clock: profile.clock
		});
		return profile;
	}),

	setAppearance: authedProcedure.input(appearanceSchema).mutation(async ({ ctx, input }) => {
		const preferences = await account.updatePreferences(ctx.db, ctx.user.id, input);
		publishToUser(ctx.user.id, 'appearance:updated', { colorScheme: preferences.colorScheme });
		return preferences;
	}),

	setWorkingHours: authedProcedure.input(workingHoursSchema).mutation(({ ctx, input }) =>
		account.updatePreferences(ctx.db, ctx.user.id, {
			dayStartsAt: minutesOfDay(input.dayStartsAt),
			dayEndsAt: minutesOfDay(input.dayEndsAt)
		})
	),

	/** Whether the person has a picture, and whether their signup pages show it. */
	publicPicture: authedProcedure.query(({ ctx }) => publicPictureSetting(ctx.db, ctx.user.id)),

	setPublicPicture: authedProcedure
		.input(publicPictureSchema)
		.mutation(({ ctx, input }) => account.updatePreferences(ctx.db, ctx.user.id, input)),

	authSessions: authedProcedure.query(({ ctx }) =>
		account.listAuthSessions(ctx.db, ctx.user.id, ctx.authSession.id)
	),

	securityLog: authedProcedure.query(({ ctx }) => listSecurityEvents(ctx.db, ctx.user.id))
});

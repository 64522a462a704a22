import { hit, limits } from '../auth/rate-limit';
import { todayIn } from '../time-zones';
import { authedProcedure, router } from '../trpc/init';
import { deleteAccount } from './deletion';
import { dataArchive } from './export';
import { deleteAccountSchema } from './schemas';

export const accountDataRouter = router({
	/**
	 * A mutation, as it writes to the security log. Its archive streams: the page's download route
	 * sends it on (over tRPC's HTTP endpoint it needs a streaming link).
	 */
	export: authedProcedure.mutation(async ({ ctx }) => {
		await hit(ctx.db, limits.dataExportPerUser, ctx.user.id);
		return {
			filename: `sessionboard-data-${todayIn(ctx.user.timeZone)}.zip`,
			archive: dataArchive(ctx.db, ctx.user.id, ctx.client)
		};
	}),

	deleteAccount: authedProcedure.input(deleteAccountSchema).mutation(async ({ ctx, input }) => {
		await deleteAccount(ctx.db, ctx.user.id, ctx.authSession.id, input);
		ctx.authCookie.clear();
	})
});

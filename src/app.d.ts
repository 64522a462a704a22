import type { SessionUser } from '$lib/server/auth/session';
import type { AuthSession } from '$lib/server/db/schema';
import type { FormMessage } from '$lib/forms';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			authSession: AuthSession | null;
		}
		interface Error {
			message: string;
		}
		namespace Superforms {
			type Message = FormMessage;
		}
	}
}

export {};

import { superValidate } from 'sveltekit-superforms';
import { zod4 } from 'sveltekit-superforms/adapters';
import { emailLinkSchema } from './schemas';

const schema = zod4(emailLinkSchema);

/**
 * The form an emailed link opens, its token taken from the address. Opening the link only shows
 * a button: mail scanners fetch links in emails, and a GET that used up the token would confirm
 * the address (and sign in) for whoever scanned it.
 */
export async function emailLinkForm(url: URL) {
	const token = url.searchParams.get('token') ?? '';
	return { form: await superValidate({ token }, schema, { errors: false }) };
}

/** The token the link's button posts. */
export const postedEmailLink = (request: Request) => superValidate(request, schema);

import type { Email } from './mailer';

export function escapeHtml(value: string): string {
	return value
		.replaceAll('&', '&amp;')
		.replaceAll('<', '&lt;')
		.replaceAll('>', '&gt;')
		.replaceAll('"', '&quot;')
		.replaceAll("'", '&#39;');
}

export type Link = { label: string; url: string };

export type Body = {
	greeting: string;
	/** Who signs it: "— Maya Jensen" in a practitioner's email to a subscriber; else Sessionboard. */
	signature?: string;
	paragraphs: string[];
	action?: Link;
	footnote?: string;
	/** Small print under the signature, each with its link written out in both parts. */
	footer?: { text: string; links: Link[] };
};

/** One layout for every email: the same words in the HTML and the plain-text part. */
export function compose(to: string, subject: string, body: Body): Email {
	const lines = [body.greeting, '', ...body.paragraphs.flatMap((p) => [p, ''])];
	if (body.action) lines.push(`${body.action.label}: ${body.action.url}`, '');
	if (body.footnote) lines.push(body.footnote, '');
	const signature = `— ${(body.signature ?? 'Sessionboard').replace(/\s+/g, ' ')}`;
	lines.push(signature);
	if (body.footer) {
		lines.push('', '--', body.footer.text, ...body.footer.links.map((l) => `${l.label}: ${l.url}`));
	}

	const small = 'margin:0 0 8px;font-size:13px;color:#475569';
	const paragraph = (text: string) => `<p style="margin:0 0 16px">${escapeHtml(text)}</p>`;
	const button = body.action
		? `<p style="margin:24px 0"><a href="${escapeHtml(body.action.url)}" style="background:#1d4ed8;color:#fff;padding:12px 20px;border-radius:8px;text-decoration:none;display:inline-block">${escapeHtml(body.action.label)}</a></p>
<p style="margin:0 0 16px;font-size:13px;color:#475569">Or paste this link into your browser: ${escapeHtml(body.action.url)}</p>`
		: '';
	const footer = body.footer
		? `<hr style="border:none;border-top:1px solid #e2e8f0;margin:24px 0 16px">
<p style="${small}">${escapeHtml(body.footer.text)}</p>
<p style="${small}">${body.footer.links
				.map(
					(l) => `<a href="${escapeHtml(l.url)}" style="color:#1d4ed8">${escapeHtml(l.label)}</a>`
				)
				.join(' · ')}</p>`
		: '';
	const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#0f172a;line-height:1.5;max-width:560px;margin:0 auto;padding:24px">
${paragraph(body.greeting)}${body.paragraphs.map(paragraph).join('')}${button}${body.footnote ? `<p style="margin:0 0 16px;font-size:13px;color:#475569">${escapeHtml(body.footnote)}</p>` : ''}
<p style="margin:0;color:#475569">${escapeHtml(signature)}</p>${footer}</body></html>`;
	return { to, subject, text: lines.join('\n'), html };
}

export function verifyEmailMessage(to: string, name: string, url: string): Email {
	return compose(to, 'Confirm your email for Sessionboard', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'Please confirm that this is your email address to finish setting up your account.'
		],
		action: { label: 'Confirm my email', url },
		footnote: 'The link works for 24 hours. If you did not sign up, you can ignore this email.'
	});
}

export function alreadyRegisteredMessage(
	to: string,
	name: string,
	signInUrl: string,
	resetUrl: string
): Email {
	return compose(to, 'Someone tried to sign up with your email', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'Someone tried to create a Sessionboard account with this email address, but you already have one.',
			`If it was you, sign in at ${signInUrl}, or reset your password at ${resetUrl} if you have forgotten it.`
		],
		footnote: 'If it was not you, no action is needed: your account is unchanged.'
	});
}

export function resetPasswordMessage(to: string, name: string, url: string): Email {
	return compose(to, 'Reset your Sessionboard password', {
		greeting: `Hello ${name},`,
		paragraphs: ['We received a request to reset your password.'],
		action: { label: 'Choose a new password', url },
		footnote:
			'The link works once, for one hour. If you did not ask for it, ignore this email: your password stays as it is.'
	});
}

export function passwordChangedMessage(to: string, name: string, resetUrl: string): Email {
	return compose(to, 'Your Sessionboard password was changed', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'The password of your Sessionboard account was just changed, and every other sign-in was ended.',
			`If this was not you, reset your password now at ${resetUrl}.`
		]
	});
}

export function passwordAddedMessage(to: string, name: string, resetUrl: string): Email {
	return compose(to, 'A password was added to your Sessionboard account', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'Your Sessionboard account, until now signed in to with Google, just got a password: it can be signed in to with this email and that password too.',
			`If this was not you, reset your password now at ${resetUrl}.`
		]
	});
}

export function googleUnlinkedMessage(to: string, name: string, resetUrl: string): Email {
	return compose(to, 'Google was unlinked from your Sessionboard account', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'Your Google account was just unlinked from your Sessionboard account: it no longer signs you in. Your password still does.',
			`If this was not you, reset your password now at ${resetUrl}.`
		]
	});
}

export function confirmEmailChangeMessage(to: string, name: string, url: string): Email {
	return compose(to, 'Confirm your new email for Sessionboard', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'You asked to use this address for your Sessionboard account. Your email changes when you confirm it here.'
		],
		action: { label: 'Use this email', url },
		footnote:
			'The link works once, for 24 hours. If you did not ask for it, ignore this email: nothing changes.'
	});
}

export function emailChangeToTakenMessage(to: string, name: string, resetUrl: string): Email {
	return compose(to, 'Someone tried to move an account to your email', {
		greeting: `Hello ${name},`,
		paragraphs: [
			'Someone asked to move another Sessionboard account to this email address, but you already have an account with it, so nothing changed.',
			`If you have forgotten your password, you can reset it at ${resetUrl}.`
		]
	});
}

/** Shows the new address half hidden: the old mailbox may no longer be the account owner's alone. */
export function emailChangedMessage(to: string, name: string, newEmail: string): Email {
	const [local = '', domain = ''] = newEmail.split('@');
	const hidden = `${local.slice(0, 2)}…@${domain}`;
	return compose(to, 'Your Sessionboard email was changed', {
		greeting: `Hello ${name},`,
		paragraphs: [
			`Your Sessionboard account now uses the address ${hidden}. Emails about your account go there from now on.`,
			'If this was not you, someone who knows your password has your account: reply to the person who runs your Sessionboard at once.'
		]
	});
}

export function seriesEndedMessage(to: string, name: string, seriesTitle: string): Email {
	// The subject names no series: it is what stays of the email once it is sent.
	return compose(to, 'A series you signed up for has ended', {
		greeting: `Hello ${name},`,
		paragraphs: [
			`“${seriesTitle}” has ended: its organiser closed their Sessionboard account, so no further dates take place.`,
			'Your name, email and phone were deleted with it. This is the last email you get about it.'
		]
	});
}

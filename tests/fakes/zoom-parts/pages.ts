/** The fake Zoom's sign-in pages: plain HTML forms, no scripts, nothing loaded from elsewhere. */

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
button { min-height: 2.75rem; min-width: 2.75rem; padding: 0.5rem 1rem; font-size: 1rem; margin-right: 0.5rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/**
 * What Zoom asks a signed-in user before it lets an app act for them. The request's own
 * parameters travel in hidden fields, so that pressing Allow re-sends them to be checked again.
 */
export function consentPage(
	user: { id: string; email: string; display_name: string },
	params: URLSearchParams
): string {
	const hidden = [...params]
		.map(
			([name, value]) =>
				`<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`
		)
		.join('\n');
	return page(
		'Allow this app to use your Zoom account?',
		`<h1>Allow this app to use your Zoom account?</h1>
<p>Signed in to Zoom as ${escapeHtml(user.display_name)} (${escapeHtml(user.email)}).</p>
<p>The app will be able to see your profile and to create, change and delete your meetings.</p>
<form method="post" action="/oauth/authorize">
${hidden}
<input type="hidden" name="user_id" value="${escapeHtml(user.id)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="decline">Decline</button>
</form>`
	);
}

export function errorPage(title: string, message: string, status: number): string {
	return page(
		title,
		`<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p>Status ${status}.</p>`
	);
}

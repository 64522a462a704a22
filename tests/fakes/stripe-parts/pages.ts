/** The fake's hosted pages: plain HTML forms, no scripts, nothing loaded from elsewhere. */
import type { FakeAccount, FakeCheckoutSession, FakePrice, FakeSubscription } from './types';

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
button, a.button { display: inline-block; min-height: 2.75rem; padding: 0.5rem 1rem; font-size: 1rem; }
label { display: block; margin: 1rem 0 0.25rem; }
input { min-height: 2.75rem; font-size: 1rem; width: 100%; box-sizing: border-box; }
a { color: #0b4fd1; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function formatAmount(amount: number, currency: string): string {
	const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
		.maximumFractionDigits;
	return new Intl.NumberFormat('en', { style: 'currency', currency }).format(
		amount / 10 ** (digits ?? 2)
	);
}

function every(price: FakePrice): string {
	if (!price.recurring) return '';
	const { interval, interval_count } = price.recurring;
	return interval_count === 1 ? ` per ${interval}` : ` every ${interval_count} ${interval}s`;
}

export function onboardingPage(account: FakeAccount, action: string, refreshUrl: string): string {
	return page(
		'Set up payments',
		`<h1>Set up payments</h1>
<p>Account ${escapeHtml(account.id)}${account.email ? ` (${escapeHtml(account.email)})` : ''}.</p>
<form method="post" action="${escapeHtml(action)}">
<button type="submit">Complete onboarding</button>
</form>
<p><a href="${escapeHtml(refreshUrl)}">Leave</a></p>`
	);
}

export function checkoutPage(
	session: FakeCheckoutSession,
	prices: { price: FakePrice; quantity: number }[],
	action: string
): string {
	const lines = prices
		.map(
			({ price, quantity }) =>
				`<li>${quantity > 1 ? `${quantity} × ` : ''}${escapeHtml(formatAmount(price.unit_amount, price.currency))}${every(price)}</li>`
		)
		.join('\n');
	const back = session.cancel_url
		? `<p><a href="${escapeHtml(session.cancel_url)}">Back</a></p>`
		: '';
	// The card number field has no name: the browser never sends it, so nothing can keep it.
	return page(
		'Checkout',
		`<h1>Checkout</h1>
<ul>${lines}</ul>
<form method="post" action="${escapeHtml(action)}">
<label for="email">Email</label>
<input id="email" type="email" value="${escapeHtml(session.customer_email ?? '')}" readonly>
<label for="card">Card number</label>
<input id="card" inputmode="numeric" autocomplete="off" placeholder="4242 4242 4242 4242">
<p><button type="submit">Pay</button></p>
</form>
${back}`
	);
}

export function portalPage(
	subscriptions: FakeSubscription[],
	cancelAction: string,
	returnUrl: string
): string {
	const rows = subscriptions
		.map((sub) => {
			const item = sub.items.data[0];
			const price = item
				? `${formatAmount(item.price.unit_amount, item.price.currency)}${every(item.price)}`
				: '';
			const ends = item ? new Date(item.current_period_end * 1000).toISOString().slice(0, 10) : '';
			const state =
				sub.status === 'canceled'
					? 'Canceled'
					: sub.cancel_at_period_end
						? `Cancels on ${ends}`
						: `Renews on ${ends}`;
			const cancel =
				sub.status !== 'canceled' && !sub.cancel_at_period_end
					? `<form method="post" action="${escapeHtml(cancelAction)}">
<input type="hidden" name="subscription" value="${escapeHtml(sub.id)}">
<button type="submit" aria-label="Cancel subscription ${escapeHtml(sub.id)}">Cancel subscription</button>
</form>`
					: '';
			return `<li><p>${escapeHtml(price)} — ${escapeHtml(state)}</p>${cancel}</li>`;
		})
		.join('\n');
	return page(
		'Manage your subscription',
		`<h1>Manage your subscription</h1>
<ul>${rows || '<li>No subscriptions.</li>'}</ul>
<p><a href="${escapeHtml(returnUrl)}">Return</a></p>`
	);
}

export function errorPage(title: string, message: string, status: number): string {
	return page(
		title,
		`<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p>Status ${status}.</p>`
	);
}

/** A connected Stripe account as the Settings → Payments page sees it. */
export type AccountState = {
	chargesEnabled: boolean;
	detailsSubmitted: boolean;
	requirementsDue: string[];
	disabledReason: string | null;
};

/** Whose details a requirement asks for: Stripe prefixes a person's or the company's fields. */
const SUBJECTS: [RegExp, string][] = [
	[/^individual\./, 'Your'],
	[/^company\./, 'The business’s'],
	[/^representative\./, 'The representative’s'],
	[/^(person_\w+|owners|directors|executives)\./, 'A business owner’s or director’s']
];

/** A person's or company's field, after its subject, in words. */
const DETAILS: [RegExp, string][] = [
	[/^(first_name|last_name|full_name_aliases|name)/, 'name'],
	[/^dob\./, 'date of birth'],
	[/^(address|registered_address)/, 'address'],
	[/^email$/, 'email address'],
	[/^phone$/, 'phone number'],
	[/^ssn_last_4$/, 'last 4 digits of the Social Security number'],
	[/^(id_number|tax_id|vat_id)/, 'tax or ID number'],
	[/^verification\.additional_document/, 'proof of address'],
	[/^verification\.document/, 'identity or registration document'],
	[/^relationship\./, 'role in the business'],
	[/^(owners|directors|executives)_provided$/, 'owners and directors']
];

/** Fields about the account as a whole. */
const ACCOUNT_FIELDS: [RegExp, string][] = [
	[/^external_account$/, 'A bank account for payouts'],
	[/^tos_acceptance\./, 'Acceptance of Stripe’s terms of service'],
	[/^business_profile\.url$/, 'Your business website'],
	[/^business_profile\.mcc$/, 'Your business category'],
	[/^business_profile\.product_description$/, 'A description of what you sell'],
	[/^business_profile\.support_phone$/, 'A support phone number'],
	[/^business_profile\.name$/, 'Your business name'],
	[/^business_type$/, 'Your business type (individual or company)'],
	[/^settings\.\w+\.statement_descriptor/, 'The name shown on customers’ card statements']
];

/** One of Stripe's `requirements.currently_due` fields in words; the field itself if unknown. */
export function requirementInWords(field: string): string {
	for (const [pattern, words] of ACCOUNT_FIELDS) if (pattern.test(field)) return words;
	for (const [subject, whose] of SUBJECTS) {
		const match = subject.exec(field);
		if (!match) continue;
		const rest = field.slice(match[0].length);
		for (const [pattern, detail] of DETAILS) if (pattern.test(rest)) return `${whose} ${detail}`;
	}
	return field;
}

/** What Stripe needs, in words, each said once (a date of birth is three fields). */
export function requirementsInWords(fields: string[]): string[] {
	return [...new Set(fields.map(requirementInWords))];
}

const DISABLED_REASONS: Record<string, string> = {
	'action_required.requested_capabilities': 'Stripe needs you to request the features to use.',
	listed: 'The account is on a list of prohibited persons or companies; Stripe is reviewing it.',
	other: 'Stripe did not say why; see your Stripe dashboard.',
	platform_paused: 'The account is paused.',
	'rejected.fraud': 'Stripe rejected the account because of suspected fraud.',
	'rejected.incomplete_verification':
		'Stripe rejected the account: its verification was not completed in time.',
	'rejected.listed':
		'Stripe rejected the account: it is on a list of prohibited persons or companies.',
	'rejected.other': 'Stripe rejected the account.',
	'rejected.platform_fraud': 'The account was rejected because of suspected fraud.',
	'rejected.platform_other': 'The account was rejected.',
	'rejected.platform_terms_of_service':
		'The account was rejected for breaking the terms of service.',
	'rejected.terms_of_service': 'Stripe rejected the account for breaking its terms of service.',
	'requirements.past_due': 'Stripe needs more information before the account can take payments.',
	'requirements.pending_verification': 'Stripe is verifying the information you gave.',
	under_review: 'Stripe is reviewing the account.'
};

/** Stripe's `requirements.disabled_reason` in words; the reason itself if unknown. */
export function disabledReasonInWords(reason: string): string {
	return DISABLED_REASONS[reason] ?? reason;
}

export type AccountSummary =
	| { kind: 'ready' }
	| { kind: 'needs'; needs: string[]; chargesEnabled: boolean }
	| { kind: 'disabled'; reason: string }
	| { kind: 'pending' };

/**
 * The account's state in words: ready, what Stripe needs (while it needs anything, also when it
 * already takes payments), why it is disabled, or waiting for Stripe to check what was given.
 */
export function accountSummary(account: AccountState): AccountSummary {
	if (account.requirementsDue.length > 0) {
		return {
			kind: 'needs',
			needs: requirementsInWords(account.requirementsDue),
			chargesEnabled: account.chargesEnabled
		};
	}
	if (account.chargesEnabled) return { kind: 'ready' };
	if (account.disabledReason) {
		return { kind: 'disabled', reason: disabledReasonInWords(account.disabledReason) };
	}
	return { kind: 'pending' };
}

/** Stripe's hosted onboarding still has something for the practitioner to do. */
export function onboardingUnfinished(account: AccountState): boolean {
	return !account.detailsSubmitted || account.requirementsDue.length > 0;
}

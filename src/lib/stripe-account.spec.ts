import { describe, expect, it } from 'vitest';
import {
	accountSummary,
	disabledReasonInWords,
	onboardingUnfinished,
	requirementInWords,
	requirementsInWords
} from './stripe-account';

const fresh = {
	chargesEnabled: false,
	detailsSubmitted: false,
	requirementsDue: ['business_profile.url', 'external_account', 'tos_acceptance.date'],
	disabledReason: 'requirements.past_due'
};

describe('what Stripe needs, in words', () => {
	it('says the account’s own fields plainly', () => {
		expect(requirementInWords('external_account')).toBe('A bank account for payouts');
		expect(requirementInWords('business_profile.mcc')).toBe('Your business category');
		expect(requirementInWords('settings.payments.statement_descriptor')).toBe(
			'The name shown on customers’ card statements'
		);
	});

	it('says whose details a person’s or the company’s field asks for', () => {
		expect(requirementInWords('individual.dob.day')).toBe('Your date of birth');
		expect(requirementInWords('individual.verification.document')).toBe(
			'Your identity or registration document'
		);
		expect(requirementInWords('company.tax_id')).toBe('The business’s tax or ID number');
		expect(requirementInWords('representative.address.city')).toBe('The representative’s address');
		expect(requirementInWords('person_1AbC.first_name')).toBe(
			'A business owner’s or director’s name'
		);
	});

	it('falls back to Stripe’s field name for one it does not know', () => {
		expect(requirementInWords('future_requirements.something_new')).toBe(
			'future_requirements.something_new'
		);
		expect(requirementInWords('individual.something_new')).toBe('individual.something_new');
	});

	it('says each thing once, however many fields it takes', () => {
		expect(
			requirementsInWords([
				'individual.dob.day',
				'individual.dob.month',
				'individual.dob.year',
				'tos_acceptance.date',
				'tos_acceptance.ip'
			])
		).toEqual(['Your date of birth', 'Acceptance of Stripe’s terms of service']);
	});

	it('explains why an account is disabled, or repeats a reason it does not know', () => {
		expect(disabledReasonInWords('under_review')).toBe('Stripe is reviewing the account.');
		expect(disabledReasonInWords('some_new_reason')).toBe('some_new_reason');
	});
});

describe('the account’s state', () => {
	it('lists what Stripe needs while it needs anything, even once payments work', () => {
		expect(accountSummary(fresh)).toEqual({
			kind: 'needs',
			chargesEnabled: false,
			needs: [
				'Your business website',
				'A bank account for payouts',
				'Acceptance of Stripe’s terms of service'
			]
		});
		expect(
			accountSummary({ ...fresh, chargesEnabled: true, requirementsDue: ['external_account'] })
		).toMatchObject({ kind: 'needs', chargesEnabled: true });
	});

	it('is ready when charges are enabled and nothing is due', () => {
		expect(
			accountSummary({
				chargesEnabled: true,
				detailsSubmitted: true,
				requirementsDue: [],
				disabledReason: null
			})
		).toEqual({ kind: 'ready' });
	});

	it('says why when Stripe disabled it with nothing due, and waits when it gave no reason', () => {
		const submitted = { ...fresh, detailsSubmitted: true, requirementsDue: [] };
		expect(accountSummary({ ...submitted, disabledReason: 'rejected.fraud' })).toEqual({
			kind: 'disabled',
			reason: 'Stripe rejected the account because of suspected fraud.'
		});
		expect(accountSummary({ ...submitted, disabledReason: null })).toEqual({ kind: 'pending' });
	});

	it('offers to continue onboarding until the details are in and nothing is due', () => {
		expect(onboardingUnfinished(fresh)).toBe(true);
		expect(onboardingUnfinished({ ...fresh, detailsSubmitted: true })).toBe(true);
		expect(onboardingUnfinished({ ...fresh, detailsSubmitted: true, requirementsDue: [] })).toBe(
			false
		);
	});
});

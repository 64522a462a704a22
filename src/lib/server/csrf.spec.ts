import { describe, expect, it } from 'vitest';
import { forbiddenCrossSitePost } from './csrf';

const url = new URL('https://app.example/sign-in');
const post = (origin: string | null, type = 'application/x-www-form-urlencoded', at = url) =>
	new Request(at, {
		method: 'POST',
		headers: { 'content-type': type, ...(origin ? { origin } : {}) },
		body: 'a=b'
	});

describe('cross-site form posts', () => {
	it('lets same-origin forms and non-form requests through', () => {
		expect(forbiddenCrossSitePost(post('https://app.example'), url)).toBe(false);
		expect(forbiddenCrossSitePost(post('https://evil.example', 'application/json'), url)).toBe(
			false
		);
		expect(forbiddenCrossSitePost(new Request(url), url)).toBe(false);
	});

	it('refuses forms posted from another site or with no origin at all', () => {
		expect(forbiddenCrossSitePost(post('https://evil.example'), url)).toBe(true);
		expect(forbiddenCrossSitePost(post(null), url)).toBe(true);
		expect(
			forbiddenCrossSitePost(post('https://evil.example', 'multipart/form-data; boundary=x'), url)
		).toBe(true);
	});

	it('lets the one-click unsubscribe through, and nothing else under another path', () => {
		const unsubscribe = new URL('https://app.example/u/some-token');
		expect(forbiddenCrossSitePost(post(null, undefined, unsubscribe), unsubscribe)).toBe(false);
		const manage = new URL('https://app.example/m/some-token');
		expect(forbiddenCrossSitePost(post(null, undefined, manage), manage)).toBe(true);
	});

	it('without a public address, lets a form through from the address the browser used, over HTTP', () => {
		const local = new URL('http://localhost:3000/sign-in');
		const fromTablet = (origin: string, host = '192.168.1.5:3000') =>
			new Request(local, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', origin, host },
				body: 'a=b'
			});
		expect(forbiddenCrossSitePost(fromTablet('http://192.168.1.5:3000'), local, true)).toBe(false);
		expect(forbiddenCrossSitePost(fromTablet('http://192.168.1.5:3000'), local)).toBe(true);
		expect(forbiddenCrossSitePost(fromTablet('http://evil.example'), local, true)).toBe(true);
		expect(forbiddenCrossSitePost(fromTablet('https://192.168.1.5:3000'), local, true)).toBe(true);
	});
});

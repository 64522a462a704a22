import { describe, expect, it } from 'vitest';
import { fromOwnPage } from './origin';

describe('fromOwnPage', () => {
	it('admits the configured origin and pages of the host the request was sent to', () => {
		const configured = 'https://sessions.example.org';
		expect(fromOwnPage('https://sessions.example.org', 'internal:3000', configured)).toBe(true);
		expect(fromOwnPage('http://localhost:3000', 'localhost:3000', undefined)).toBe(true);
		// The zero-config start reached on the machine's LAN address.
		expect(fromOwnPage('http://192.168.1.20:3000', '192.168.1.20:3000', undefined)).toBe(true);
		expect(fromOwnPage('http://[fd00::1]:3000', '[fd00::1]:3000', 'http://localhost:3000')).toBe(
			true
		);
	});

	it('admits a request that names no page (no browser sends a cross-site one without Origin)', () => {
		expect(fromOwnPage(undefined, 'localhost:3000', undefined)).toBe(true);
	});

	it('refuses every other page', () => {
		const configured = 'https://sessions.example.org';
		expect(fromOwnPage('http://evil.test', 'sessions.example.org', configured)).toBe(false);
		expect(fromOwnPage('https://sessions.example.org.evil.test', 'x', configured)).toBe(false);
		expect(fromOwnPage('http://localhost:3001', 'localhost:3000', undefined)).toBe(false);
		expect(fromOwnPage('null', 'localhost:3000', undefined)).toBe(false);
		expect(fromOwnPage('http://localhost:3000', undefined, undefined)).toBe(false);
	});
});

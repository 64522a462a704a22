import { afterEach, describe, expect, it } from 'vitest';
import { config } from './config';

const saved = { SMTP_URL: process.env.SMTP_URL, PORT: process.env.PORT };
afterEach(() => {
	for (const [name, value] of Object.entries(saved)) {
		if (value === undefined) delete process.env[name];
		else process.env[name] = value;
	}
});

describe('config', () => {
	it('follows a variable changed after the first read, and parses it', () => {
		process.env.SMTP_URL = 'smtp://127.0.0.1:2525';
		expect(config().SMTP_URL).toBe('smtp://127.0.0.1:2525');
		process.env.SMTP_URL = 'smtp://127.0.0.1:2526';
		process.env.PORT = '4000';
		expect(config()).toMatchObject({ SMTP_URL: 'smtp://127.0.0.1:2526', PORT: 4000 });
		delete process.env.SMTP_URL;
		expect(config().SMTP_URL).toBeUndefined();
	});

	it('refuses an invalid value, also when an earlier read was valid', () => {
		process.env.PORT = '4000';
		expect(config().PORT).toBe(4000);
		process.env.PORT = 'not a port';
		expect(() => config()).toThrow(/Invalid configuration:\n {2}PORT/);
	});
});

import { afterEach, describe, expect, it } from 'vitest';
import { config } from './config';

const saved = {
	SMTP_URL: process.env.SMTP_URL,
	PORT: process.env.PORT,
	HOST: process.env.HOST,
	WORKER_IN_APP: process.env.WORKER_IN_APP,
	EMAIL_FROM: process.env.EMAIL_FROM,
	NODE_ENV: process.env.NODE_ENV,
	GOOGLE_ISSUER: process.env.GOOGLE_ISSUER
};
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

	it('refuses a Google stand-in over plain HTTP in production, unless on this machine', () => {
		process.env.NODE_ENV = 'production';
		process.env.GOOGLE_ISSUER = 'http://idp.example.org';
		expect(() => config()).toThrow(/GOOGLE_ISSUER: must be https/);
		for (const allowed of [
			'https://idp.example.org',
			'http://127.0.0.1:9000',
			'http://localhost:9000'
		]) {
			process.env.GOOGLE_ISSUER = allowed;
			expect(config().GOOGLE_ISSUER).toBe(allowed);
		}
		process.env.NODE_ENV = 'test';
		process.env.GOOGLE_ISSUER = 'http://idp.example.org';
		expect(config().GOOGLE_ISSUER).toBe('http://idp.example.org');
	});

	it('listens on every interface unless HOST names one, also when HOST is set but empty', () => {
		delete process.env.HOST;
		expect(config().HOST).toBe('0.0.0.0');
		process.env.HOST = '';
		expect(config().HOST).toBe('0.0.0.0');
		process.env.HOST = ' 127.0.0.1 ';
		expect(config().HOST).toBe('127.0.0.1');
	});

	it('reads the sender of every email, with a default when EMAIL_FROM is unset or empty', () => {
		for (const value of [undefined, '']) {
			if (value === undefined) delete process.env.EMAIL_FROM;
			else process.env.EMAIL_FROM = value;
			expect(config().EMAIL_FROM).toEqual({
				name: 'Sessionboard',
				address: 'no-reply@sessionboard.localhost'
			});
		}
		process.env.EMAIL_FROM = ' Praxis Müller <praxis@example.org> ';
		expect(config().EMAIL_FROM).toEqual({ name: 'Praxis Müller', address: 'praxis@example.org' });
		process.env.EMAIL_FROM = 'Praxis Müller';
		expect(() => config()).toThrow(/EMAIL_FROM: holds no email address/);
	});

	it('refuses an invalid value, also when an earlier read was valid', () => {
		process.env.PORT = '4000';
		expect(config().PORT).toBe(4000);
		process.env.PORT = 'not a port';
		expect(() => config()).toThrow(/Invalid configuration:\n {2}PORT/);
	});

	it('runs the job worker in the app unless WORKER_IN_APP is false, and refuses anything else', () => {
		for (const value of [undefined, '', 'true', ' TRUE ']) {
			if (value === undefined) delete process.env.WORKER_IN_APP;
			else process.env.WORKER_IN_APP = value;
			expect(config().WORKER_IN_APP).toBe(true);
		}
		process.env.WORKER_IN_APP = 'False';
		expect(config().WORKER_IN_APP).toBe(false);
		process.env.WORKER_IN_APP = 'no';
		expect(() => config()).toThrow(/WORKER_IN_APP/);
	});
});

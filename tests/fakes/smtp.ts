import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export type ReceivedMessage = {
	messageId: string;
	to: string[];
	/** The From mailbox as a mail client reads it (display name decoded). */
	from: { name: string; address: string };
	subject: string;
	text: string;
	html: string;
	/** A header as sent, unfolded, by its case-insensitive name. */
	header: (name: string) => string | undefined;
	attachments: { filename: string; contentType: string; content: string }[];
};

/** What to answer a message with: null accepts it, an SMTP code and text rejects it. */
export type Verdict = { code: number; message: string } | null;

export type FakeSmtpOptions = {
	/** Consulted after each message arrives, with how often this Message-ID arrived so far. */
	verdict?: (messageId: string, attempt: number) => Verdict;
	/** Every MAIL FROM after this many waits until `release()`, so no message data is sent. */
	holdAfter?: number;
	/** Delay at MAIL FROM, so concurrent senders interleave. */
	delayMs?: number;
	/** Listen on this port (a mail server coming back where the app expects it). Default: a free one. */
	port?: number;
};

export type FakeSmtp = {
	url: string;
	/** Messages the server accepted (answered 250 after their data). */
	messages: ReceivedMessage[];
	/** Messages the server refused. */
	rejected: number;
	/** MAIL FROM commands waiting because of holdAfter. */
	held: () => number;
	release: () => void;
	setVerdict: (verdict: FakeSmtpOptions['verdict']) => void;
	/**
	 * From now on, accepts each message (250) and keeps it as it came, parsing it only at
	 * `parseNow`: a benchmark's mail server then takes little of the CPU it shares with the app
	 * being measured. Messages kept so are not in `messages` until then. Without effect while a
	 * verdict is set, which needs each message parsed.
	 */
	putOffParsing: () => void;
	/** Parses what was kept, in arrival order, into `messages`; later ones are parsed on arrival. */
	parseNow: () => Promise<void>;
	stop: () => Promise<void>;
};

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
	const list = Array.isArray(value) ? value : value ? [value] : [];
	return list.flatMap((a) => a.value.map((v) => v.address ?? ''));
}

function smtpError(code: number, message: string): Error {
	return Object.assign(new Error(message), { responseCode: code });
}

/**
 * A real SMTP server on a free local port (smtp-server), parsing each message with mailparser.
 * A message counts as received only once the server has answered its data with 250, as a real
 * relay would count it.
 */
export async function startFakeSmtp(options: FakeSmtpOptions = {}): Promise<FakeSmtp> {
	const messages: ReceivedMessage[] = [];
	let verdict = options.verdict;
	let rejected = 0;
	const attempts = new Map<string, number>();
	let mailFroms = 0;
	let holding = options.holdAfter !== undefined;
	const waiting: (() => void)[] = [];

	/** Messages accepted while parsing is put off, as they arrived. */
	let unparsed: Buffer[] | null = null;

	function receive(source: Readable | Buffer, callback: (error?: Error | null) => void): void {
		simpleParser(source)
			.then((parsed) => {
				const messageId = parsed.messageId ?? '';
				const attempt = (attempts.get(messageId) ?? 0) + 1;
				attempts.set(messageId, attempt);
				const answer = verdict?.(messageId, attempt) ?? null;
				if (answer) {
					rejected += 1;
					callback(smtpError(answer.code, answer.message));
					return;
				}
				const lines = new Map(
					parsed.headerLines.map((h) => [
						h.key.toLowerCase(),
						h.line
							.replace(/\r?\n[ \t]+/g, ' ')
							.replace(/^[^:]+:\s*/, '')
							.trim()
					])
				);
				messages.push({
					messageId,
					to: addresses(parsed.to),
					from: {
						name: parsed.from?.value[0]?.name ?? '',
						address: parsed.from?.value[0]?.address ?? ''
					},
					subject: parsed.subject ?? '',
					text: parsed.text ?? '',
					html: typeof parsed.html === 'string' ? parsed.html : '',
					header: (name) => lines.get(name.toLowerCase()),
					attachments: parsed.attachments.map((a) => ({
						filename: a.filename ?? '',
						contentType: a.contentType,
						content: a.content.toString('utf8')
					}))
				});
				callback();
			})
			.catch((error: Error) => callback(error));
	}

	const server = new SMTPServer({
		authOptional: true,
		disabledCommands: ['STARTTLS', 'AUTH'],
		logger: false,
		onMailFrom(_address, _session: SMTPServerSession, callback) {
			mailFroms += 1;
			const proceed = () => {
				if (options.delayMs) setTimeout(() => callback(), options.delayMs);
				else callback();
			};
			if (holding && mailFroms > (options.holdAfter ?? Infinity)) waiting.push(proceed);
			else proceed();
		},
		onData(stream, _session, callback) {
			if (!unparsed || verdict) {
				receive(stream, callback);
				return;
			}
			const chunks: Buffer[] = [];
			stream.on('data', (chunk: Buffer) => chunks.push(chunk));
			stream.on('end', () => {
				const raw = Buffer.concat(chunks);
				// parseNow may have come while this message was arriving.
				if (!unparsed) return receive(raw, callback);
				unparsed.push(raw);
				callback();
			});
			stream.on('error', (error) => callback(error));
		}
	});
	// A port taken meanwhile (one the test chose earlier) fails the start instead of hanging it.
	await new Promise<void>((resolve, fail) => {
		server.once('error', fail);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', fail);
			resolve();
		});
	});
	// A client killed mid-conversation resets its socket; that is a scenario, not a failure.
	server.on('error', () => {});
	const { port } = server.server.address() as AddressInfo;

	return {
		url: `smtp://127.0.0.1:${port}`,
		messages,
		get rejected() {
			return rejected;
		},
		held: () => waiting.length,
		release() {
			holding = false;
			for (const proceed of waiting.splice(0)) proceed();
		},
		setVerdict(next) {
			verdict = next;
		},
		putOffParsing() {
			unparsed ??= [];
		},
		async parseNow() {
			const backlog = unparsed ?? [];
			unparsed = null;
			for (const raw of backlog) {
				await new Promise<void>((parsed, failed) =>
					receive(raw, (error) => (error ? failed(error) : parsed()))
				);
			}
		},
		stop: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}

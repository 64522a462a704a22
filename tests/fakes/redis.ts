/**
 * A local fake Redis server for the pub/sub that socket.io's Redis adapter uses, speaking the real
 * protocol (RESP2, or RESP3 after HELLO 3, as node-redis asks by default) on a free local port.
 * It knows the commands node-redis sends on connecting (HELLO, CLIENT SETINFO, SELECT, PING) and
 * those of pub/sub (SUBSCRIBE, PSUBSCRIBE, their UN- forms, PUBLISH, PUBSUB NUMSUB); anything else
 * is refused as Redis refuses an unknown command. No keys, no persistence.
 */
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';

export type Published = { channel: string; message: Buffer; receivers: number };

export type FakeRedis = {
	/** redis://127.0.0.1:<port> */
	url: string;
	/** Every PUBLISH the server took, in order, with how many subscribers it reached. */
	published: Published[];
	/** While on, PUBLISH is answered (0 receivers) but reaches no subscriber: a lost message. */
	dropPublishes: (on: boolean) => void;
	stop: () => Promise<void>;
};

/** Redis's reply types, written for the connection's protocol version. */
type Reply =
	| { simple: string }
	| { error: string }
	| number
	| string
	| Buffer
	| null
	| Reply[]
	| { map: [Reply, Reply][] }
	| { push: Reply[] };

function encode(reply: Reply, protocol: 2 | 3): Buffer {
	const line = (text: string) => Buffer.from(`${text}\r\n`);
	if (reply === null) return line(protocol === 3 ? '_' : '$-1');
	if (typeof reply === 'number') return line(`:${reply}`);
	if (typeof reply === 'string' || Buffer.isBuffer(reply)) {
		const bytes = Buffer.from(reply);
		return Buffer.concat([line(`$${bytes.length}`), bytes, line('')]);
	}
	const many = (prefix: string, items: Reply[]) =>
		Buffer.concat([line(`${prefix}${items.length}`), ...items.map((i) => encode(i, protocol))]);
	if (Array.isArray(reply)) return many('*', reply);
	if ('simple' in reply) return line(`+${reply.simple}`);
	if ('error' in reply) return line(`-${reply.error}`);
	if ('push' in reply) return many(protocol === 3 ? '>' : '*', reply.push);
	if (protocol === 2) return many('*', reply.map.flat());
	return Buffer.concat([
		line(`%${reply.map.length}`),
		...reply.map.flat().map((i) => encode(i, protocol))
	]);
}

/**
 * Reads whole commands off the front of `buffer`: arrays of bulk strings, as clients send them,
 * or inline commands (words on a line, as typed in telnet). Returns them and what is left over.
 */
function parseCommands(buffer: Buffer): { commands: Buffer[][]; rest: Buffer } {
	const commands: Buffer[][] = [];
	let at = 0;
	const lineEnd = (from: number) => {
		const end = buffer.indexOf('\r\n', from);
		return end === -1 ? null : end;
	};
	while (at < buffer.length) {
		const end = lineEnd(at);
		if (end === null) break;
		if (buffer[at] !== 0x2a /* '*' */) {
			const words = buffer.subarray(at, end).toString().trim().split(/\s+/).filter(Boolean);
			if (words.length > 0) commands.push(words.map((word) => Buffer.from(word)));
			at = end + 2;
			continue;
		}
		const count = Number(buffer.subarray(at + 1, end).toString());
		let cursor = end + 2;
		const args: Buffer[] = [];
		for (let i = 0; i < count; i++) {
			const headerEnd = lineEnd(cursor);
			if (headerEnd === null) break;
			const length = Number(buffer.subarray(cursor + 1, headerEnd).toString());
			const start = headerEnd + 2;
			if (buffer.length < start + length + 2) break;
			args.push(buffer.subarray(start, start + length));
			cursor = start + length + 2;
		}
		if (args.length < count) break;
		commands.push(args);
		at = cursor;
	}
	return { commands, rest: buffer.subarray(at) };
}

/** Redis's glob patterns (PSUBSCRIBE): *, ?, [set], [^set], [a-z] and \ escapes. */
export function globToRegExp(pattern: string): RegExp {
	let source = '';
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i]!;
		if (c === '*') source += '.*';
		else if (c === '?') source += '.';
		else if (c === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
		else if (c === '[') {
			const close = pattern.indexOf(']', i + 2);
			if (close === -1) source += '\\[';
			else {
				// A set reads the same in both: [abc], [^abc], [a-z].
				source += `[${pattern.slice(i + 1, close)}]`;
				i = close;
			}
		} else source += c.replace(/[.+^${}()|\\/]/g, '\\$&');
	}
	return new RegExp(`^${source}$`, 's');
}

type Connection = {
	socket: Socket;
	protocol: 2 | 3;
	channels: Set<string>;
	patterns: Map<string, RegExp>;
};

/** In a RESP2 connection that listens, only these may be sent (Redis refuses the others). */
const WHILE_SUBSCRIBED = new Set([
	'SUBSCRIBE',
	'UNSUBSCRIBE',
	'PSUBSCRIBE',
	'PUNSUBSCRIBE',
	'PING',
	'QUIT',
	'RESET'
]);

export async function startFakeRedis(): Promise<FakeRedis> {
	const connections = new Set<Connection>();
	const published: Published[] = [];
	let dropping = false;
	let nextId = 0;

	const send = (connection: Connection, reply: Reply) =>
		connection.socket.write(encode(reply, connection.protocol));
	const listening = (c: Connection) => c.channels.size + c.patterns.size;

	function publish(channel: string, message: Buffer): number {
		if (dropping) return 0;
		let receivers = 0;
		for (const c of connections) {
			if (c.channels.has(channel)) {
				send(c, { push: ['message', channel, message] });
				receivers += 1;
			}
			for (const [pattern, matcher] of c.patterns) {
				if (!matcher.test(channel)) continue;
				send(c, { push: ['pmessage', pattern, channel, message] });
				receivers += 1;
			}
		}
		return receivers;
	}

	function hello(c: Connection, id: number, args: string[]): Reply {
		const version = args[0] === undefined ? c.protocol : Number(args[0]);
		if (version !== 2 && version !== 3) {
			return { error: 'NOPROTO unsupported protocol version' };
		}
		c.protocol = version;
		return {
			map: [
				['server', 'redis'],
				['version', '7.2.0'],
				['proto', version],
				['id', id],
				['mode', 'standalone'],
				['role', 'master'],
				['modules', []]
			]
		};
	}

	/** SUBSCRIBE and the rest: one confirmation per name, with the count of what is listened to. */
	function subscription(c: Connection, kind: string, names: string[]): void {
		const unsubscribe = kind.includes('unsubscribe');
		const patterned = kind.startsWith('p');
		const current = patterned ? [...c.patterns.keys()] : [...c.channels];
		const targets = unsubscribe && names.length === 0 ? current : names;
		if (targets.length === 0) {
			send(c, { push: [kind, null, listening(c)] });
			return;
		}
		for (const name of targets) {
			if (patterned && unsubscribe) c.patterns.delete(name);
			else if (patterned) c.patterns.set(name, globToRegExp(name));
			else if (unsubscribe) c.channels.delete(name);
			else c.channels.add(name);
			send(c, { push: [kind, name, listening(c)] });
		}
	}

	function execute(c: Connection, id: number, raw: Buffer[]): Reply | undefined {
		const name = raw[0]!.toString().toUpperCase();
		const args = raw.slice(1).map((arg) => arg.toString());
		if (c.protocol === 2 && listening(c) > 0 && !WHILE_SUBSCRIBED.has(name)) {
			return {
				error: `ERR Can't execute '${name.toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`
			};
		}
		switch (name) {
			case 'HELLO':
				return hello(c, id, args);
			case 'PING':
				if (c.protocol === 2 && listening(c) > 0) return ['pong', args[0] ?? ''];
				return args[0] === undefined ? { simple: 'PONG' } : args[0];
			case 'SELECT':
				// Channels are not per database in Redis either.
				return { simple: 'OK' };
			case 'CLIENT':
				// What the client calls itself makes no difference to pub/sub; anything else
				// (CLIENT MAINT_NOTIFICATIONS…) is refused, as an older Redis does.
				if (['SETINFO', 'SETNAME'].includes(args[0]?.toUpperCase() ?? '')) return { simple: 'OK' };
				return { error: `ERR unknown subcommand '${args[0]}'. Try CLIENT HELP.` };
			case 'SUBSCRIBE':
			case 'UNSUBSCRIBE':
			case 'PSUBSCRIBE':
			case 'PUNSUBSCRIBE':
				subscription(c, name.toLowerCase(), args);
				return undefined;
			case 'PUBLISH': {
				const [channel, message] = [args[0]!, raw[2]!];
				const receivers = publish(channel, message);
				published.push({ channel, message, receivers });
				return receivers;
			}
			case 'PUBSUB':
				if (args[0]?.toUpperCase() === 'NUMSUB') {
					const counts = args
						.slice(1)
						.map((channel): [Reply, Reply] => [
							channel,
							[...connections].filter((other) => other.channels.has(channel)).length
						]);
					return c.protocol === 3 ? { map: counts } : counts.flat();
				}
				return { error: `ERR unknown subcommand '${args[0]}'. Try PUBSUB HELP.` };
			case 'QUIT':
				c.socket.end(encode({ simple: 'OK' }, c.protocol));
				return undefined;
			default:
				return {
					error: `ERR unknown command '${raw[0]!.toString()}', with args beginning with: ${args
						.slice(0, 3)
						.map((a) => `'${a}'`)
						.join(' ')}`
				};
		}
	}

	const server = createServer((socket) => {
		const id = (nextId += 1);
		const connection: Connection = {
			socket,
			protocol: 2,
			channels: new Set(),
			patterns: new Map()
		};
		connections.add(connection);
		let pending: Buffer = Buffer.alloc(0);
		socket.on('data', (chunk: Buffer) => {
			const { commands, rest } = parseCommands(Buffer.concat([pending, chunk]));
			pending = rest;
			for (const command of commands) {
				const reply = execute(connection, id, command);
				if (reply !== undefined) send(connection, reply);
			}
		});
		socket.on('error', () => socket.destroy());
		socket.on('close', () => connections.delete(connection));
	});
	server.listen(0, '127.0.0.1');
	await once(server, 'listening');
	const { port } = server.address() as AddressInfo;

	return {
		url: `redis://127.0.0.1:${port}`,
		published,
		dropPublishes: (on) => (dropping = on),
		stop: async () => {
			for (const { socket } of connections) socket.destroy();
			await new Promise((closed) => server.close(closed));
		}
	};
}

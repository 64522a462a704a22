import { bigserial, customType, pgTable, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * Where the socket.io PostgreSQL adapter keeps a live event too large for a NOTIFY (8000 bytes)
 * for the other instances to read; it deletes each row after half a minute. Its columns are the
 * ones the adapter's queries name.
 */
export const socketIoAttachments = pgTable('socket_io_attachments', {
	id: bigserial('id', { mode: 'number' }).primaryKey(),
	createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
	payload: bytea('payload').notNull()
});

import { index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { sessions } from './sessions';
import { users } from './users';

export const noteTemplate = pgEnum('note_template', ['free', 'soap', 'dap']);

/**
 * One note per session, in markdown. Once signed, its body is locked (a trigger in the migration
 * refuses changes); later additions are dated addenda.
 */
export const sessionNotes = pgTable(
	'session_notes',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		sessionId: uuid('session_id')
			.notNull()
			.unique()
			.references(() => sessions.id, { onDelete: 'cascade' }),
		template: noteTemplate('template').notNull().default('free'),
		body: text('body').notNull().default(''),
		/** Bumped on every change; a save names the version it edited, so offline edits cannot overwrite silently. */
		version: integer('version').notNull().default(1),
		signedAt: timestamp('signed_at', { withTimezone: true }),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		// `order by updated_at desc` means NULLS FIRST; an index built NULLS LAST cannot serve it.
		index('session_notes_owner_updated_idx').on(t.ownerId, t.updatedAt.desc().nullsFirst())
	]
);

export const noteAddenda = pgTable(
	'note_addenda',
	{
		id: uuid('id').primaryKey().defaultRandom(),
		ownerId: uuid('owner_id')
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		noteId: uuid('note_id')
			.notNull()
			.references(() => sessionNotes.id, { onDelete: 'cascade' }),
		body: text('body').notNull(),
		createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('note_addenda_note_id_idx').on(t.noteId),
		index('note_addenda_owner_id_idx').on(t.ownerId)
	]
);

export type NoteRow = typeof sessionNotes.$inferSelect;
export type AddendumRow = typeof noteAddenda.$inferSelect;

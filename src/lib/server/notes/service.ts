import { TRPCError } from '@trpc/server';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db } from '../db';
import { clients, noteAddenda, sessionNotes, sessions } from '../db/schema';
import { notFound } from '../practice-errors';
import { hasBegun, notBegun } from '../sessions/service';
import type { addendumSchema, saveNoteSchema, signNoteSchema } from './schemas';

async function assertOwnSession(db: Db, ownerId: string, sessionId: string) {
	const [session] = await db
		.select({ id: sessions.id, begun: hasBegun })
		.from(sessions)
		.where(and(eq(sessions.id, sessionId), eq(sessions.ownerId, ownerId)));
	if (!session) throw notFound('session');
	return session;
}

async function currentNote(db: Db, sessionId: string) {
	const [note] = await db.select().from(sessionNotes).where(eq(sessionNotes.sessionId, sessionId));
	return note;
}

function conflict(note: { signedAt: Date | null } | undefined): TRPCError {
	return new TRPCError({
		code: 'CONFLICT',
		message: note?.signedAt
			? 'This note is signed and can no longer be changed. Add an addendum instead.'
			: 'This note was changed on another device since you started editing.'
	});
}

/**
 * Saves the note only if nobody saved it since `baseVersion`: an edit made offline on a tablet can
 * then never silently overwrite one made elsewhere, and a signed note is never changed.
 */
export async function saveNote(db: Db, ownerId: string, input: z.output<typeof saveNoteSchema>) {
	await assertOwnSession(db, ownerId, input.sessionId);
	const returning = { version: sessionNotes.version, updatedAt: sessionNotes.updatedAt };
	const [saved] =
		input.baseVersion === 0
			? await db
					.insert(sessionNotes)
					.values({
						ownerId,
						sessionId: input.sessionId,
						template: input.template,
						body: input.body
					})
					.onConflictDoNothing({ target: sessionNotes.sessionId })
					.returning(returning)
			: await db
					.update(sessionNotes)
					.set({
						body: input.body,
						template: input.template,
						version: sql`${sessionNotes.version} + 1`,
						updatedAt: new Date()
					})
					.where(
						and(
							eq(sessionNotes.sessionId, input.sessionId),
							eq(sessionNotes.ownerId, ownerId),
							eq(sessionNotes.version, input.baseVersion),
							isNull(sessionNotes.signedAt)
						)
					)
					.returning(returning);
	if (!saved) throw conflict(await currentNote(db, input.sessionId));
	return saved;
}

/** Signs the note as it is at `version`, locking it. */
export async function signNote(db: Db, ownerId: string, input: z.output<typeof signNoteSchema>) {
	const session = await assertOwnSession(db, ownerId, input.sessionId);
	// A signed note records what happened; before the session there is nothing to record yet.
	if (!session.begun) throw notBegun('sign its note');
	const [signed] = await db
		.update(sessionNotes)
		.set({ signedAt: new Date(), updatedAt: new Date() })
		.where(
			and(
				eq(sessionNotes.sessionId, input.sessionId),
				eq(sessionNotes.ownerId, ownerId),
				eq(sessionNotes.version, input.version),
				isNull(sessionNotes.signedAt)
			)
		)
		.returning({ signedAt: sessionNotes.signedAt });
	if (!signed) throw conflict(await currentNote(db, input.sessionId));
	return signed;
}

export async function addAddendum(db: Db, ownerId: string, input: z.output<typeof addendumSchema>) {
	await assertOwnSession(db, ownerId, input.sessionId);
	const note = await currentNote(db, input.sessionId);
	if (!note?.signedAt) {
		throw new TRPCError({
			code: 'BAD_REQUEST',
			message: 'Addenda are for signed notes; edit the note itself until you sign it.'
		});
	}
	const [addendum] = await db
		.insert(noteAddenda)
		.values({ ownerId, noteId: note.id, body: input.body })
		.returning({ id: noteAddenda.id, createdAt: noteAddenda.createdAt });
	return addendum!;
}

export function recentNotes(db: Db, ownerId: string, limit = 5) {
	return db
		.select({
			sessionId: sessionNotes.sessionId,
			body: sessionNotes.body,
			signedAt: sessionNotes.signedAt,
			updatedAt: sessionNotes.updatedAt,
			clientName: clients.name,
			startsAt: sessions.startsAt,
			timeZone: sessions.timeZone
		})
		.from(sessionNotes)
		.innerJoin(sessions, eq(sessions.id, sessionNotes.sessionId))
		.innerJoin(clients, eq(clients.id, sessions.clientId))
		.where(and(eq(sessionNotes.ownerId, ownerId), sql`${sessionNotes.body} <> ''`))
		.orderBy(desc(sessionNotes.updatedAt))
		.limit(limit);
}

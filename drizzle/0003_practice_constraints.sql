-- Rules drizzle's schema cannot express, kept in the database so no code path can break them.

-- A session's client, and a note's session, belong to the same practitioner as the row itself.
ALTER TABLE "clients" ADD CONSTRAINT "clients_id_owner_key" UNIQUE ("id", "owner_id");
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_client_same_owner_fk" FOREIGN KEY ("client_id", "owner_id") REFERENCES "clients" ("id", "owner_id") ON DELETE CASCADE;
--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_id_owner_key" UNIQUE ("id", "owner_id");
--> statement-breakpoint
ALTER TABLE "session_notes" ADD CONSTRAINT "session_notes_session_same_owner_fk" FOREIGN KEY ("session_id", "owner_id") REFERENCES "sessions" ("id", "owner_id") ON DELETE CASCADE;
--> statement-breakpoint

-- One practitioner is in one session at a time. Cancelled sessions give their slot back.
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_no_overlap" EXCLUDE USING gist (
	"owner_id" WITH =,
	tstzrange("starts_at", "ends_at", '[)') WITH &&
) WHERE ("status" IN ('scheduled', 'completed', 'no_show'));
--> statement-breakpoint

-- A signed note is a record: its text, template and signature never change again.
CREATE FUNCTION "session_notes_keep_signed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD."signed_at" IS NOT NULL AND (
		NEW."body" IS DISTINCT FROM OLD."body"
		OR NEW."template" IS DISTINCT FROM OLD."template"
		OR NEW."signed_at" IS DISTINCT FROM OLD."signed_at"
	) THEN
		RAISE EXCEPTION 'a signed note cannot be changed'
			USING ERRCODE = 'check_violation', CONSTRAINT = 'session_notes_signed_locked';
	END IF;
	RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "session_notes_keep_signed" BEFORE UPDATE ON "session_notes"
	FOR EACH ROW EXECUTE FUNCTION "session_notes_keep_signed"();

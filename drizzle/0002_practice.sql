CREATE TYPE "public"."location_kind" AS ENUM('in_person', 'zoom', 'link', 'phone');--> statement-breakpoint
CREATE TYPE "public"."payment_status" AS ENUM('unpaid', 'paid', 'waived');--> statement-breakpoint
CREATE TYPE "public"."session_status" AS ENUM('scheduled', 'completed', 'cancelled', 'late_cancelled', 'no_show');--> statement-breakpoint
CREATE TYPE "public"."note_template" AS ENUM('free', 'soap', 'dap');--> statement-breakpoint
CREATE TABLE "clients" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text,
	"phone" text,
	"notes" text DEFAULT '' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"archived_at" timestamp with time zone,
	"search_text" text GENERATED ALWAYS AS (lower("clients"."name" || ' ' || coalesce("clients"."email", '') || ' ' || coalesce("clients"."phone", ''))) STORED NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_recurrences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"interval_weeks" integer NOT NULL,
	"local_start_time" time NOT NULL,
	"time_zone" text NOT NULL,
	"first_date" date NOT NULL,
	"until_date" date,
	"count" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_recurrences_interval" CHECK ("session_recurrences"."interval_weeks" between 1 and 52),
	CONSTRAINT "session_recurrences_end" CHECK (("session_recurrences"."until_date" is null) <> ("session_recurrences"."count" is null))
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"client_id" uuid NOT NULL,
	"recurrence_id" uuid,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"location_kind" "location_kind" DEFAULT 'in_person' NOT NULL,
	"location_detail" text DEFAULT '' NOT NULL,
	"fee_minor" integer DEFAULT 0 NOT NULL,
	"currency" text NOT NULL,
	"status" "session_status" DEFAULT 'scheduled' NOT NULL,
	"payment_status" "payment_status" DEFAULT 'unpaid' NOT NULL,
	"paid_on" date,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sessions_ends_after_start" CHECK ("sessions"."ends_at" > "sessions"."starts_at"),
	CONSTRAINT "sessions_fee_not_negative" CHECK ("sessions"."fee_minor" >= 0),
	CONSTRAINT "sessions_currency_code" CHECK ("sessions"."currency" ~ '^[A-Z]{3}$'),
	CONSTRAINT "sessions_paid_on_when_paid" CHECK (("sessions"."payment_status" = 'paid') = ("sessions"."paid_on" is not null))
);
--> statement-breakpoint
CREATE TABLE "note_addenda" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"note_id" uuid NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "session_notes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"session_id" uuid NOT NULL,
	"template" "note_template" DEFAULT 'free' NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"signed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "session_notes_session_id_unique" UNIQUE("session_id")
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "currency" text DEFAULT 'EUR' NOT NULL;--> statement-breakpoint
ALTER TABLE "clients" ADD CONSTRAINT "clients_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_recurrences" ADD CONSTRAINT "session_recurrences_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_client_id_clients_id_fk" FOREIGN KEY ("client_id") REFERENCES "public"."clients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_recurrence_id_session_recurrences_id_fk" FOREIGN KEY ("recurrence_id") REFERENCES "public"."session_recurrences"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_addenda" ADD CONSTRAINT "note_addenda_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "note_addenda" ADD CONSTRAINT "note_addenda_note_id_session_notes_id_fk" FOREIGN KEY ("note_id") REFERENCES "public"."session_notes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_notes" ADD CONSTRAINT "session_notes_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_notes" ADD CONSTRAINT "session_notes_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "clients_owner_name_idx" ON "clients" USING btree ("owner_id",lower("name"),"id");--> statement-breakpoint
CREATE INDEX "clients_search_idx" ON "clients" USING gin ("owner_id","search_text" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "clients_tags_idx" ON "clients" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "session_recurrences_owner_id_idx" ON "session_recurrences" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "sessions_owner_starts_idx" ON "sessions" USING btree ("owner_id","starts_at");--> statement-breakpoint
CREATE INDEX "sessions_client_starts_idx" ON "sessions" USING btree ("client_id","starts_at");--> statement-breakpoint
CREATE INDEX "sessions_recurrence_id_idx" ON "sessions" USING btree ("recurrence_id");--> statement-breakpoint
CREATE INDEX "note_addenda_note_id_idx" ON "note_addenda" USING btree ("note_id");--> statement-breakpoint
CREATE INDEX "note_addenda_owner_id_idx" ON "note_addenda" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "session_notes_owner_updated_idx" ON "session_notes" USING btree ("owner_id","updated_at" DESC NULLS LAST);
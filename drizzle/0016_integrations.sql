CREATE TYPE "public"."meeting_state" AS ENUM('pending', 'ready', 'failed');--> statement-breakpoint
CREATE TYPE "public"."zoom_problem" AS ENUM('refresh_refused', 'meetings_failing');--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'password_added';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'google_linked';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'google_unlinked';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'zoom_connected';--> statement-breakpoint
ALTER TYPE "public"."security_event_kind" ADD VALUE 'zoom_disconnected';--> statement-breakpoint
ALTER TYPE "public"."series_location_kind" ADD VALUE 'zoom';--> statement-breakpoint
CREATE TABLE "google_identities" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"subject" text NOT NULL,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "google_identities_subject_unique" UNIQUE("subject")
);
--> statement-breakpoint
CREATE TABLE "google_pending_sign_ins" (
	"id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"subject" text NOT NULL,
	"email" text NOT NULL,
	"email_verified" boolean NOT NULL,
	"name" text NOT NULL,
	"picture_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "user_pictures" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"content_type" text NOT NULL,
	"bytes" "bytea" NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "user_pictures_content_type" CHECK ("user_pictures"."content_type" in ('image/jpeg', 'image/png', 'image/webp', 'image/gif')),
	CONSTRAINT "user_pictures_size" CHECK (octet_length("user_pictures"."bytes") <= 1048576)
);
--> statement-breakpoint
CREATE TABLE "zoom_connections" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"zoom_user_id" text NOT NULL,
	"access_token" text NOT NULL,
	"refresh_token" text NOT NULL,
	"access_expires_at" timestamp with time zone NOT NULL,
	"problem" "zoom_problem",
	"problem_at" timestamp with time zone,
	"connected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "zoom_connections_problem_at" CHECK (("zoom_connections"."problem" is null) = ("zoom_connections"."problem_at" is null))
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "meeting_id" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "join_url" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "meeting_state" "meeting_state";--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "meeting_error" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "meeting_starts_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "meeting_ends_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "series_occurrences" ADD COLUMN "meeting_state" "meeting_state";--> statement-breakpoint
ALTER TABLE "series_occurrences" ADD COLUMN "meeting_error" text;--> statement-breakpoint
ALTER TABLE "series_occurrences" ADD COLUMN "meeting_starts_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "series_occurrences" ADD COLUMN "meeting_ends_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "google_identities" ADD CONSTRAINT "google_identities_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_pictures" ADD CONSTRAINT "user_pictures_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "zoom_connections" ADD CONSTRAINT "zoom_connections_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "google_pending_sign_ins_expires_at_idx" ON "google_pending_sign_ins" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "zoom_connections_zoom_user_id_idx" ON "zoom_connections" USING btree ("zoom_user_id");
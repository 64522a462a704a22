CREATE TYPE "public"."email_delivery_status" AS ENUM('queued', 'sending', 'sent', 'failed');--> statement-breakpoint
CREATE TYPE "public"."occurrence_status" AS ENUM('scheduled', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."series_location_kind" AS ENUM('in_person', 'online');--> statement-breakpoint
CREATE TYPE "public"."series_status" AS ENUM('draft', 'published', 'archived');--> statement-breakpoint
CREATE TYPE "public"."subscriber_status" AS ENUM('pending', 'active', 'waitlisted', 'left');--> statement-breakpoint
CREATE SEQUENCE "public"."subscriber_arrival_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "app_secrets" (
	"name" text PRIMARY KEY NOT NULL,
	"value" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "email_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"recipient" text NOT NULL,
	"purpose" text NOT NULL,
	"subject" text NOT NULL,
	"text" text NOT NULL,
	"html" text NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" "email_delivery_status" DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "email_deliveries_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "series" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"time_zone" text NOT NULL,
	"weekdays" integer[] NOT NULL,
	"local_start_time" time NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date,
	"occurrence_count" integer,
	"duration_minutes" integer NOT NULL,
	"capacity" integer NOT NULL,
	"location_kind" "series_location_kind" NOT NULL,
	"location_detail" text DEFAULT '' NOT NULL,
	"reminder_offsets" integer[] DEFAULT '{1440,60}'::integer[] NOT NULL,
	"status" "series_status" DEFAULT 'draft' NOT NULL,
	"price_minor" integer,
	"currency" text,
	"materialized_until" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "series_slug_unique" UNIQUE("slug"),
	CONSTRAINT "series_slug_format" CHECK ("series"."slug" ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length("series"."slug") between 3 and 60),
	CONSTRAINT "series_capacity_positive" CHECK ("series"."capacity" > 0),
	CONSTRAINT "series_duration" CHECK ("series"."duration_minutes" between 5 and 720),
	CONSTRAINT "series_weekdays" CHECK (cardinality("series"."weekdays") > 0 and "series"."weekdays" <@ '{1,2,3,4,5,6,7}'::integer[]),
	CONSTRAINT "series_one_end" CHECK ("series"."end_date" is null or "series"."occurrence_count" is null)
);
--> statement-breakpoint
CREATE TABLE "series_occurrences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"series_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"original_starts_at" timestamp with time zone NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"status" "occurrence_status" DEFAULT 'scheduled' NOT NULL,
	"meeting_id" text,
	"join_url" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "series_occurrences_ends_after_start" CHECK ("series_occurrences"."ends_at" > "series_occurrences"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "subscribers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"series_id" uuid NOT NULL,
	"owner_id" uuid NOT NULL,
	"name" text NOT NULL,
	"email" text NOT NULL,
	"phone" text,
	"status" "subscriber_status" DEFAULT 'pending' NOT NULL,
	"arrival" bigint,
	"consented_at" timestamp with time zone NOT NULL,
	"confirmed_at" timestamp with time zone,
	"unsubscribed_at" timestamp with time zone,
	"left_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "session_notes_owner_updated_idx";--> statement-breakpoint
ALTER TABLE "outbox_emails" ADD COLUMN "attachments" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "series" ADD CONSTRAINT "series_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "series_occurrences" ADD CONSTRAINT "series_occurrences_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "series_occurrences" ADD CONSTRAINT "series_occurrences_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscribers" ADD CONSTRAINT "subscribers_series_id_series_id_fk" FOREIGN KEY ("series_id") REFERENCES "public"."series"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscribers" ADD CONSTRAINT "subscribers_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "email_deliveries_status_idx" ON "email_deliveries" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "series_owner_id_idx" ON "series" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "series_occurrences_series_original_key" ON "series_occurrences" USING btree ("series_id","original_starts_at");--> statement-breakpoint
CREATE INDEX "series_occurrences_series_starts_idx" ON "series_occurrences" USING btree ("series_id","starts_at");--> statement-breakpoint
CREATE INDEX "series_occurrences_owner_starts_idx" ON "series_occurrences" USING btree ("owner_id","starts_at");--> statement-breakpoint
CREATE UNIQUE INDEX "subscribers_series_email_key" ON "subscribers" USING btree ("series_id","email");--> statement-breakpoint
CREATE INDEX "subscribers_series_status_arrival_idx" ON "subscribers" USING btree ("series_id","status","arrival");--> statement-breakpoint
CREATE INDEX "subscribers_owner_id_idx" ON "subscribers" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "sessions_owner_unpaid_idx" ON "sessions" USING btree ("owner_id","currency","fee_minor") WHERE "sessions"."payment_status" = 'unpaid' and "sessions"."status" in ('completed', 'late_cancelled', 'no_show') and "sessions"."fee_minor" <> 0;--> statement-breakpoint
CREATE INDEX "session_notes_owner_updated_idx" ON "session_notes" USING btree ("owner_id","updated_at" DESC NULLS FIRST);
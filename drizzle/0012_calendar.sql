CREATE TABLE "calendar_feed_events" (
	"owner_id" uuid NOT NULL,
	"uid" text NOT NULL,
	"digest" text NOT NULL,
	"sequence" integer DEFAULT 0 NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_feed_events_owner_id_uid_pk" PRIMARY KEY("owner_id","uid"),
	CONSTRAINT "calendar_feed_events_sequence" CHECK ("calendar_feed_events"."sequence" >= 0)
);
--> statement-breakpoint
CREATE TABLE "calendar_feeds" (
	"owner_id" uuid PRIMARY KEY NOT NULL,
	"token_hash" text NOT NULL,
	"show_full_names" boolean DEFAULT false NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calendar_feeds_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "calendar_feeds_token_hash" CHECK ("calendar_feeds"."token_hash" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ical_uid" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "ical_recurrence_id" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "calendar_feed_events" ADD CONSTRAINT "calendar_feed_events_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_owner_ical_key" ON "sessions" USING btree ("owner_id","ical_uid",coalesce("ical_recurrence_id", '-infinity')) WHERE "sessions"."ical_uid" is not null;
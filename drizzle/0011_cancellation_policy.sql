CREATE TABLE "cancellation_policies" (
	"owner_id" uuid PRIMARY KEY NOT NULL,
	"no_show_percent" integer DEFAULT 100 NOT NULL,
	"late_cancel_percent" integer DEFAULT 100 NOT NULL,
	"late_cancel_window_hours" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cancellation_policies_no_show_percent" CHECK ("cancellation_policies"."no_show_percent" between 0 and 100),
	CONSTRAINT "cancellation_policies_late_cancel_percent" CHECK ("cancellation_policies"."late_cancel_percent" between 0 and 100),
	CONSTRAINT "cancellation_policies_window" CHECK ("cancellation_policies"."late_cancel_window_hours" between 0 and 720)
);
--> statement-breakpoint
CREATE TABLE "session_charges" (
	"session_id" uuid PRIMARY KEY NOT NULL,
	"list_fee_minor" integer NOT NULL,
	"percent" integer NOT NULL,
	"set_for_session" boolean DEFAULT false NOT NULL,
	CONSTRAINT "session_charges_list_fee_not_negative" CHECK ("session_charges"."list_fee_minor" >= 0),
	CONSTRAINT "session_charges_percent" CHECK ("session_charges"."percent" between 0 and 100)
);
--> statement-breakpoint
ALTER TABLE "cancellation_policies" ADD CONSTRAINT "cancellation_policies_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "session_charges" ADD CONSTRAINT "session_charges_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;
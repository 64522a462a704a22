CREATE TABLE "stripe_revoked_accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"revoked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "stripe_accounts" ADD COLUMN "disconnected_at" timestamp with time zone;
ALTER TABLE "users" ADD COLUMN "locale" text DEFAULT 'en-GB' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "clock" text DEFAULT 'locale' NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_clock_check" CHECK ("users"."clock" in ('locale', '12', '24'));